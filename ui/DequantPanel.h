#pragma once
// What variational dequantization learned: draws u ~ q(u|x) for an image, the per-pixel mean and
// standard deviation of u (with colour scales), the histogram of u against the uniform density, the
// two bound terms, and how the importance-weighted bound tightens over the ELBO as K grows. Many
// draws run in the background with progress and cancel.
#include <QWidget>

#include "ModelSession.h"

class QLabel;
class QProgressBar;
class QPushButton;
class QSpinBox;
class QChartView;

namespace flowpp::ui {

class ColourBar;
class ImageGrid;
class PixelView;

class DequantPanel : public QWidget {
  Q_OBJECT
 public:
  explicit DequantPanel(ModelSession* session, QWidget* parent = nullptr);
  void setDataset(const QVector<QImage>& images);
  void setDraws(int draws);
  const DequantReport& lastResult() const { return last_; }

 Q_SIGNALS:
  void dequantShown();

 private:
  void request();
  void showResult(const DequantReport& r);
  void showJobState(JobKind kind, JobState state, qint64 done, qint64 total);
  void drawGapChart(const DequantReport& r);

  ModelSession* session_;
  QVector<QImage> dataset_;
  QSpinBox *index_, *draws_;
  PixelView *image_, *mean_, *std_;
  ColourBar *meanBar_, *stdBar_;
  ImageGrid* samples_;
  QLabel *mode_, *terms_, *state_;
  QProgressBar* progress_;
  QPushButton* cancel_;
  QChartView *histogram_, *gap_;
  DequantReport last_;
};

}  // namespace flowpp::ui
