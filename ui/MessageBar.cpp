#include "MessageBar.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QMessageBox>
#include <QPushButton>
#include <QStyle>

namespace flowpp::ui {

MessageBar::MessageBar(QWidget* parent) : QFrame(parent) {
  setFrameShape(QFrame::StyledPanel);
  icon_ = new QLabel;
  text_ = new QLabel;
  text_->setWordWrap(true);
  text_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  details_ = new QPushButton(tr("Details…"));
  close_ = new QPushButton(tr("Dismiss"));
  close_->setToolTip(tr("Hide this message"));
  auto* layout = new QHBoxLayout(this);
  layout->setContentsMargins(8, 4, 8, 4);
  layout->addWidget(icon_);
  layout->addWidget(text_, 1);
  layout->addWidget(details_);
  layout->addWidget(close_);
  connect(close_, &QPushButton::clicked, this, &MessageBar::clear);
  connect(details_, &QPushButton::clicked, this, [this] {
    QMessageBox box(QMessageBox::Information, tr("Details"), text_->text(), QMessageBox::Ok, this);
    box.setDetailedText(detailText_);
    box.exec();
  });
  hide();
}

void MessageBar::show(Kind kind, const QString& sentence, const QString& details) {
  const auto icon = kind == Kind::Error     ? QStyle::SP_MessageBoxCritical
                    : kind == Kind::Warning ? QStyle::SP_MessageBoxWarning
                                            : QStyle::SP_MessageBoxInformation;
  icon_->setPixmap(style()->standardIcon(icon).pixmap(20, 20));
  const QColor tint = kind == Kind::Error ? QColor(250, 225, 225) : kind == Kind::Warning ? QColor(252, 241, 214) : QColor(224, 236, 250);
  setStyleSheet(QString("QFrame { background: %1; }").arg(tint.name()));
  text_->setText(sentence);
  detailText_ = details;
  details_->setVisible(!details.isEmpty());
  QFrame::show();
}

void MessageBar::clear() {
  text_->clear();
  hide();
}

QString MessageBar::text() const { return isVisible() ? text_->text() : QString(); }

}  // namespace flowpp::ui
