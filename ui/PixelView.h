#pragma once
// One image at an integer zoom with nearest-neighbour scaling, an optional semi-transparent overlay
// (a heatmap), and the pixel under the cursor reported by `hovered`.
#include <QImage>
#include <QWidget>

namespace flowpp::ui {

class PixelView : public QWidget {
  Q_OBJECT
 public:
  explicit PixelView(QWidget* parent = nullptr);
  void setImage(const QImage& image);
  void setOverlay(const QImage& overlay, double opacity);
  void setOriginalSize(bool on);  // 1:1 pixels instead of fitting the widget
  const QImage& image() const { return image_; }
  QSize sizeHint() const override { return {280, 280}; }

 Q_SIGNALS:
  void hovered(int x, int y);  // -1, -1 when outside the image

 protected:
  void paintEvent(QPaintEvent*) override;
  void mouseMoveEvent(QMouseEvent* e) override;
  void leaveEvent(QEvent*) override;

 private:
  QRect target() const;
  QImage image_, overlay_;
  double opacity_ = 0.0;
  bool original_ = false;
};

}  // namespace flowpp::ui
