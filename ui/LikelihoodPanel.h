#pragma once
// Per-pixel likelihood: the bits each sub-pixel costs under the model (the heatmap), the breakdown
// of log p(x) by term (paper eq. 1), the image's bits/dim (ELBO and importance-weighted; a large K
// runs in the background with progress and cancel) and its place on the data set's histogram; two
// images can be compared on one locked colour scale.
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
class ReferenceHistogram;

class LikelihoodPanel : public QWidget {
  Q_OBJECT
 public:
  LikelihoodPanel(ModelSession* session, std::function<QImage()> currentSample, QWidget* parent = nullptr);
  void setDataset(const QVector<QImage>& images);
  // datasetIndex: the image's number in the open data set (-1: from elsewhere).
  void setImage(const QImage& image, const QString& origin, int datasetIndex = -1);
  void setDatasetPath(const QString& path);  // for the data-set histogram (and its cache)
  void setImportanceSamples(int k);
  const LikelihoodReport& lastResult() const { return last_; }
  QPair<double, double> scale() const { return {lo_, hi_}; }
  QString totalsText() const;
  QString cursorText() const;  // the value under the pointer on the heatmap
  int datasetIndex() const;    // -1: the image is not from the data set
  QChartView* breakdownView() const { return breakdownView_; }
  PixelView* heatView() const { return heatView_; }
  ReferenceHistogram* referenceHistogram() const { return reference_; }
  static QString digitsPath();  // Debian opencv-doc's MNIST digits sheet, or ""
  static QImage mnistDigit(int index);  // one 20x20 digit padded to 28x28, or null

 public Q_SLOTS:
  void exportPng();
  void exportCsv();

 Q_SIGNALS:
  void likelihoodShown();
  void boundShown();

 private:
  QWidget* buildSources();
  void request();
  void showResult(quint64 id, const LikelihoodReport& r);
  void showBound(const BoundReport& b);
  void showJobState(JobKind kind, JobState state, qint64 done, qint64 total);
  void redraw();
  void updateTotals();
  void updateBreakdown();
  void updateCursor();

  ModelSession* session_;
  std::function<QImage()> currentSample_;
  QVector<QImage> dataset_;
  QImage image_;
  QString origin_;
  PixelView *imageView_, *heatView_, *pinnedView_;
  DrawCanvas* canvas_;
  QLabel *note_, *totals_, *cursor_, *pinnedLabel_, *state_;
  QPair<int, int> hovered_{-1, -1};  // heatmap pixel under the pointer
  QSpinBox *index_, *k_;
  QSlider* opacity_;
  QCheckBox* lock_;
  QDoubleSpinBox* clip_;
  QProgressBar* progress_;
  QPushButton* cancelButton_;
  QChartView* breakdownView_;
  ReferenceHistogram* reference_;
  LikelihoodReport last_, pinned_;
  quint64 lastId_ = 0;
  bool hasPinned_ = false;
  double lo_ = 0, hi_ = 1;
};

}  // namespace flowpp::ui
