#include "DrawCanvas.h"

#include <QMouseEvent>
#include <QPainter>

namespace flowpp::ui {

DrawCanvas::DrawCanvas(QWidget* parent) : QWidget(parent) {
  setToolTip(tr("Draw with the left button, erase with the right; the likelihood updates when you release."));
  reset(28, 28);
}

void DrawCanvas::reset(int width, int height) {
  image_ = QImage(width, height, QImage::Format_Grayscale8);
  image_.fill(Qt::black);
  update();
}

void DrawCanvas::clear() {
  image_.fill(Qt::black);
  update();
  Q_EMIT drawn();
}

// The image keeps its aspect: the largest rectangle of its shape, centred in the widget.
QRectF DrawCanvas::target() const {
  const double scale = std::min(double(width()) / std::max(1, image_.width()), double(height()) / std::max(1, image_.height()));
  const QSizeF size(image_.width() * scale, image_.height() * scale);
  return {QPointF((width() - size.width()) / 2, (height() - size.height()) / 2), size};
}

QPointF DrawCanvas::toImage(const QPointF& p) const {
  const QRectF t = target();
  return {(p.x() - t.left()) * image_.width() / std::max(1.0, t.width()), (p.y() - t.top()) * image_.height() / std::max(1.0, t.height())};
}

void DrawCanvas::strokeTo(const QPointF& widgetPoint, bool erase) {
  const QPointF to = toImage(widgetPoint);
  QPainter painter(&image_);
  painter.setRenderHint(QPainter::Antialiasing);
  painter.setPen(QPen(erase ? Qt::black : Qt::white, 2.2, Qt::SolidLine, Qt::RoundCap, Qt::RoundJoin));
  painter.drawLine(last_, to);
  last_ = to;
  update();
}

void DrawCanvas::paintEvent(QPaintEvent*) {
  QPainter p(this);
  p.setRenderHint(QPainter::SmoothPixmapTransform, false);
  p.fillRect(rect(), palette().window());
  p.drawImage(target(), image_);
}

void DrawCanvas::mousePressEvent(QMouseEvent* e) {
  last_ = toImage(e->position());
  strokeTo(e->position(), e->button() == Qt::RightButton);
}

void DrawCanvas::mouseMoveEvent(QMouseEvent* e) {
  if (e->buttons() != Qt::NoButton) strokeTo(e->position(), e->buttons() & Qt::RightButton);
}

void DrawCanvas::mouseReleaseEvent(QMouseEvent*) { Q_EMIT drawn(); }

}  // namespace flowpp::ui
