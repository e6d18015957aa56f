#include "ImageGrid.h"

#include <QHelpEvent>
#include <QMouseEvent>
#include <QPainter>
#include <QToolTip>

#include <cmath>

namespace flowpp::ui {

ImageGrid::ImageGrid(QWidget* parent) : QWidget(parent) {
  setMouseTracking(true);
  setMinimumSize(160, 160);
  setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Expanding);
}

void ImageGrid::setImages(const QVector<QImage>& images, const QStringList& tooltips, int columns) {
  images_ = images;
  tooltips_ = tooltips;
  columns_ = columns > 0 ? columns : std::max(1, static_cast<int>(std::ceil(std::sqrt(double(images.size())))));
  if (selected_ >= images_.size()) selected_ = -1;
  update();
}

QRect ImageGrid::cellRect(int i) const {
  if (images_.isEmpty()) return {};
  const int rows = (images_.size() + columns_ - 1) / columns_;
  const QSize img = images_.front().size();
  const double scale = std::max(1.0, std::floor(std::min((width() - 2.0 * columns_) / (columns_ * img.width()),
                                                         (height() - 2.0 * rows) / (rows * img.height()))));
  const int cw = static_cast<int>(img.width() * scale), ch = static_cast<int>(img.height() * scale);
  const int x0 = (width() - columns_ * (cw + 2)) / 2, y0 = (height() - rows * (ch + 2)) / 2;
  return {x0 + (i % columns_) * (cw + 2) + 1, y0 + (i / columns_) * (ch + 2) + 1, cw, ch};
}

int ImageGrid::cellAt(const QPoint& p) const {
  for (int i = 0; i < images_.size(); ++i)
    if (cellRect(i).contains(p)) return i;
  return -1;
}

void ImageGrid::paintEvent(QPaintEvent*) {
  QPainter p(this);
  p.setRenderHint(QPainter::SmoothPixmapTransform, false);  // nearest neighbour: no blur
  if (images_.isEmpty()) {
    p.drawText(rect(), Qt::AlignCenter, tr("No images yet"));
    return;
  }
  for (int i = 0; i < images_.size(); ++i) {
    p.drawImage(cellRect(i), images_[i]);
    if (i == selected_) {
      p.setPen(QPen(palette().highlight(), 2));
      p.drawRect(cellRect(i).adjusted(-1, -1, 1, 1));
    }
  }
}

void ImageGrid::mousePressEvent(QMouseEvent* e) {
  const int i = cellAt(e->position().toPoint());
  if (i < 0) return;
  selected_ = i;
  update();
  Q_EMIT imageClicked(i);
}

void ImageGrid::mouseDoubleClickEvent(QMouseEvent* e) {
  const int i = cellAt(e->position().toPoint());
  if (i >= 0) Q_EMIT imageActivated(i);
}

bool ImageGrid::event(QEvent* e) {
  if (e->type() == QEvent::ToolTip) {
    auto* help = static_cast<QHelpEvent*>(e);
    const int i = cellAt(help->pos());
    if (i >= 0 && i < tooltips_.size())
      QToolTip::showText(help->globalPos(), tooltips_[i], this);
    else
      QToolTip::hideText();
    return true;
  }
  return QWidget::event(e);
}

QImage ImageGrid::gridImage(int pad) const {
  if (images_.isEmpty()) return {};
  const QSize s = images_.front().size();
  const int rows = (images_.size() + columns_ - 1) / columns_;
  QImage out(columns_ * (s.width() + pad) + pad, rows * (s.height() + pad) + pad, QImage::Format_RGB32);
  out.fill(Qt::white);
  QPainter p(&out);
  for (int i = 0; i < images_.size(); ++i)
    p.drawImage(pad + (i % columns_) * (s.width() + pad), pad + (i / columns_) * (s.height() + pad), images_[i]);
  return out;
}

}  // namespace flowpp::ui
