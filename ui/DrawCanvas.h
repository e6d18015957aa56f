#pragma once
// A small canvas to draw an image by hand (left button paints white, right button erases), at the
// model's resolution, shown magnified. Strokes are drawn as line segments between mouse events, so
// a fast stroke stays a line, not a trail of dots.
#include <QImage>
#include <QWidget>

namespace flowpp::ui {

class DrawCanvas : public QWidget {
  Q_OBJECT
 public:
  explicit DrawCanvas(QWidget* parent = nullptr);
  void reset(int width, int height);
  const QImage& image() const { return image_; }
  QSize sizeHint() const override { return {168, 168}; }
  QSize minimumSizeHint() const override { return {84, 84}; }

 public Q_SLOTS:
  void clear();  // back to black, and says so with drawn()

 Q_SIGNALS:
  void drawn();  // after each stroke

 protected:
  void paintEvent(QPaintEvent*) override;
  void mousePressEvent(QMouseEvent* e) override;
  void mouseMoveEvent(QMouseEvent* e) override;
  void mouseReleaseEvent(QMouseEvent* e) override;

 private:
  QRectF target() const;
  QPointF toImage(const QPointF& widgetPoint) const;
  void strokeTo(const QPointF& widgetPoint, bool erase);
  QImage image_;
  QPointF last_;
};

}  // namespace flowpp::ui
