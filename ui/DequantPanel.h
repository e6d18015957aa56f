#pragma once
// What variational dequantization learned: draws u ~ q(u|x) for an image, the per-pixel mean and
// standard deviation of u, the histogram of u against the uniform density, the two bound terms, and
// how the importance-weighted bound tightens over the ELBO as K grows.
#include <QWidget>

#include "ModelSession.h"

class QLabel;
class QSpinBox;
class QChartView;

namespace flowpp::ui {

class ImageGrid;
class PixelView;

class DequantPanel : public QWidget {
  Q_OBJECT
 public:
  explicit DequantPanel(ModelSession* session, QWidget* parent = nullptr);
  void setDataset(const QVector<QImage>& images);
  const DequantResult& lastResult() const { return last_; }

 Q_SIGNALS:
  void dequantShown();

 private:
  void request();
  void showResult(const DequantResult& r);

  ModelSession* session_;
  QVector<QImage> dataset_;
  QSpinBox *index_, *draws_;
  PixelView *image_, *mean_, *std_;
  ImageGrid* samples_;
  QLabel *mode_, *terms_;
  QChartView *histogram_, *gap_;
  DequantResult last_;
};

}  // namespace flowpp::ui
