#pragma once
// The Likelihood tab's data-set histogram: bits/dim of the open data set's first images, computed
// on the background worker with progress and cancel, cached on disk per model and data set, and the
// current image's place on it (its percentile).
#include <QWidget>

#include "ModelSession.h"

class QChartView;
class QLabel;
class QProgressBar;
class QPushButton;

namespace flowpp::ui {

class ReferenceHistogram : public QWidget {
  Q_OBJECT
 public:
  ReferenceHistogram(ModelSession* session, QWidget* parent = nullptr);
  void setDatasetPath(const QString& path);  // loads a cached histogram when there is one
  void setImageBpd(double bpd);              // NaN: no image yet
  const std::vector<double>& values() const { return values_; }
  QString percentileText() const;
  QChartView* chartView() const { return chart_; }

 public Q_SLOTS:
  void start();
  void cancel();

 Q_SIGNALS:
  void shown();

 private:
  void showReport(const ReferenceReport& r);
  void showJobState(JobKind kind, JobState state, qint64 done, qint64 total);
  void redraw();
  QString cachePath() const;

  ModelSession* session_;
  QPushButton *start_, *cancel_;
  QProgressBar* progress_;
  QLabel* percentile_;
  QChartView* chart_;
  std::vector<double> values_;
  QString model_, datasetPath_;
  double imageBpd_ = qQNaN();
};

}  // namespace flowpp::ui
