#pragma once
// A small canvas to draw an image by hand (left button paints white, right button erases), at the
// model's resolution, shown magnified.
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

 Q_SIGNALS:
  void drawn();  // after each stroke

 protected:
  void paintEvent(QPaintEvent*) override;
  void mousePressEvent(QMouseEvent* e) override;
  void mouseMoveEvent(QMouseEvent* e) override;
  void mouseReleaseEvent(QMouseEvent* e) override;

 private:
  void paintAt(const QPoint& p, bool erase);
  QImage image_;
};

}  // namespace flowpp::ui
