#include "ExplainBox.h"

#include <QLabel>
#include <QSettings>
#include <QToolButton>
#include <QVBoxLayout>

namespace flowpp::ui {

ExplainBox::ExplainBox(const QString& key, const QString& html, QWidget* parent) : QWidget(parent), key_(key) {
  toggle_ = new QToolButton;
  toggle_->setText(tr("What am I looking at?"));
  toggle_->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
  toggle_->setCheckable(true);
  toggle_->setAutoRaise(true);
  toggle_->setToolTip(tr("Show or hide what this tab shows, the formula behind it and what to try"));
  text_ = new QLabel(html);
  text_->setWordWrap(true);
  text_->setTextFormat(Qt::RichText);
  text_->setOpenExternalLinks(true);
  text_->setContentsMargins(12, 0, 12, 6);
  text_->setStyleSheet("QLabel { background: palette(alternate-base); border-radius: 4px; padding: 6px; }");
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(4, 0, 4, 0);
  layout->setSpacing(2);
  layout->addWidget(toggle_, 0, Qt::AlignLeft);
  layout->addWidget(text_);
  connect(toggle_, &QToolButton::toggled, this, [this](bool on) {
    text_->setVisible(on);
    toggle_->setArrowType(on ? Qt::DownArrow : Qt::RightArrow);
    QSettings().setValue("explain/" + key_, on);
  });
  setExpanded(QSettings().value("explain/" + key_, false).toBool());
  text_->setVisible(toggle_->isChecked());
  toggle_->setArrowType(toggle_->isChecked() ? Qt::DownArrow : Qt::RightArrow);
}

bool ExplainBox::isExpanded() const { return toggle_->isChecked(); }
void ExplainBox::setExpanded(bool expanded) { toggle_->setChecked(expanded); }

}  // namespace flowpp::ui
