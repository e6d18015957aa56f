#pragma once
// Per-pixel likelihood: the bits each sub-pixel costs under the model (the heatmap), the breakdown
// of log p(x) by term (paper eq. 1), the image's bits/dim (ELBO and importance-weighted) and its
// place on the test set's histogram; two images can be compared on one locked colour scale.
#include <QWidget>
#include <functional>

#include "ModelSession.h"

class QCheckBox;
class QDoubleSpinBox;
class QLabel;
class QProgressBar;
class QPushButton;
class QSlider;
class QSpinBox;
class QChartView;

namespace flowpp::ui {

class DrawCanvas;
class PixelView;

class LikelihoodPanel : public QWidget {
  Q_OBJECT
 public:
  LikelihoodPanel(ModelSession* session, std::function<QImage()> currentSample, QWidget* parent = nullptr);
  void setDataset(const QVector<QImage>& images);
  void setImage(const QImage& image, const QString& origin);
  void setDatasetPath(const QString& path);  // loads a cached test-set histogram when there is one
  const LikelihoodResult& lastResult() const { return last_; }
  QPair<double, double> scale() const { return {lo_, hi_}; }
  static QString digitsPath();  // Debian opencv-doc's MNIST digits sheet, or ""
  static QImage mnistDigit(int index);  // one 20x20 digit padded to 28x28, or null

 public Q_SLOTS:
  void exportPng();
  void exportCsv();

 Q_SIGNALS:
  void likelihoodShown();

 private:
  void request();
  void showResult(const LikelihoodResult& r);
  void redraw();
  void showReference(const QVector<double>& bpd, bool cancelled);
  void updateBreakdown();
  void updateHistogram();
  QString referenceCachePath() const;

  ModelSession* session_;
  std::function<QImage()> currentSample_;
  QVector<QImage> dataset_;
  QImage image_;
  QString origin_;
  PixelView *imageView_, *heatView_, *pinnedView_;
  DrawCanvas* canvas_;
  QLabel *note_, *totals_, *cursor_, *colourBar_, *pinnedLabel_, *percentile_;
  QSpinBox *index_, *k_;
  QSlider* opacity_;
  QCheckBox* lock_;
  QDoubleSpinBox* clip_;
  QProgressBar* progress_;
  QPushButton *referenceButton_, *cancelButton_;
  QChartView *breakdownView_, *histogramView_;
  LikelihoodResult last_, pinned_;
  bool hasPinned_ = false;
  double lo_ = 0, hi_ = 1;
  QVector<double> reference_;
  QString referenceModel_, datasetPath_;
};

}  // namespace flowpp::ui
