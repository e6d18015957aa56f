#include "PixelView.h"

#include <QMouseEvent>
#include <QPainter>

#include <cmath>

namespace flowpp::ui {

PixelView::PixelView(QWidget* parent) : QWidget(parent) {
  setMouseTracking(true);
  setMinimumSize(112, 112);
}

void PixelView::setImage(const QImage& image) {
  image_ = image;
  update();
}

void PixelView::setOverlay(const QImage& overlay, double opacity) {
  overlay_ = overlay;
  opacity_ = opacity;
  update();
}

void PixelView::setOriginalSize(bool on) {
  original_ = on;
  update();
}

QRect PixelView::target() const {
  if (image_.isNull()) return {};
  const double scale = original_ ? 1.0
                                 : std::max(1.0, std::floor(std::min(double(width()) / image_.width(),
                                                                     double(height()) / image_.height())));
  const int w = static_cast<int>(image_.width() * scale), h = static_cast<int>(image_.height() * scale);
  return {(width() - w) / 2, (height() - h) / 2, w, h};
}

void PixelView::paintEvent(QPaintEvent*) {
  QPainter p(this);
  p.setRenderHint(QPainter::SmoothPixmapTransform, false);
  if (image_.isNull()) {
    p.drawText(rect(), Qt::AlignCenter, tr("No image"));
    return;
  }
  p.drawImage(target(), image_);
  if (!overlay_.isNull() && opacity_ > 0) {
    p.setOpacity(opacity_);
    p.drawImage(target(), overlay_);
  }
}

void PixelView::mouseMoveEvent(QMouseEvent* e) {
  const QRect t = target();
  if (!t.contains(e->position().toPoint())) {
    Q_EMIT hovered(-1, -1);
    return;
  }
  const int x = (e->position().toPoint().x() - t.x()) * image_.width() / t.width();
  const int y = (e->position().toPoint().y() - t.y()) * image_.height() / t.height();
  Q_EMIT hovered(x, y);
}

void PixelView::leaveEvent(QEvent*) { Q_EMIT hovered(-1, -1); }

}  // namespace flowpp::ui
