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

void DrawCanvas::paintAt(const QPoint& p, bool erase) {
  const int x = p.x() * image_.width() / std::max(1, width()), y = p.y() * image_.height() / std::max(1, height());
  QPainter painter(&image_);
  painter.setPen(Qt::NoPen);
  painter.setBrush(erase ? Qt::black : Qt::white);
  painter.drawEllipse(QPoint(x, y), 1, 1);
  update();
}

void DrawCanvas::paintEvent(QPaintEvent*) {
  QPainter p(this);
  p.setRenderHint(QPainter::SmoothPixmapTransform, false);
  p.drawImage(rect(), image_);
}

void DrawCanvas::mousePressEvent(QMouseEvent* e) { paintAt(e->position().toPoint(), e->button() == Qt::RightButton); }
void DrawCanvas::mouseMoveEvent(QMouseEvent* e) {
  if (e->buttons() != Qt::NoButton) paintAt(e->position().toPoint(), e->buttons() & Qt::RightButton);
}
void DrawCanvas::mouseReleaseEvent(QMouseEvent*) { Q_EMIT drawn(); }

}  // namespace flowpp::ui
