#pragma once
// A grid of small images drawn with nearest-neighbour scaling (pixels stay crisp), with a tooltip
// per cell and click selection.
#include <QImage>
#include <QStringList>
#include <QWidget>

namespace flowpp::ui {

class ImageGrid : public QWidget {
  Q_OBJECT
 public:
  explicit ImageGrid(QWidget* parent = nullptr);
  void setImages(const QVector<QImage>& images, const QStringList& tooltips = {}, int columns = 0);
  const QVector<QImage>& images() const { return images_; }
  int selected() const { return selected_; }
  QImage gridImage(int pad = 2) const;  // the whole grid at original pixel size
  QSize sizeHint() const override { return {480, 480}; }

 Q_SIGNALS:
  void imageClicked(int index);
  void imageActivated(int index);  // double click

 protected:
  void paintEvent(QPaintEvent*) override;
  void mousePressEvent(QMouseEvent* e) override;
  void mouseDoubleClickEvent(QMouseEvent* e) override;
  bool event(QEvent* e) override;

 private:
  QRect cellRect(int i) const;
  int cellAt(const QPoint& p) const;
  QVector<QImage> images_;
  QStringList tooltips_;
  int columns_ = 1, selected_ = -1;
};

}  // namespace flowpp::ui
