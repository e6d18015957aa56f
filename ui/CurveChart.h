#pragma once
// Train (light) and test (dark) bits/dim curves of several runs with Qt Charts: x by steps, epochs
// or wall time, log-x, smoothing drawn as its own line over the raw points, rubber-band zoom, hover
// values, PNG/CSV export. Redraws are throttled (at most every 40 ms).
#include <QTimer>
#include <QtCharts/QChartView>

#include "TrainingRun.h"

namespace flowpp::ui {

class CurveChart : public QChartView {
  Q_OBJECT
 public:
  enum class XAxis { Steps, Epochs, WallTime };
  explicit CurveChart(QWidget* parent = nullptr);
  void setRuns(const QVector<TrainingRun>* runs);  // not owned; call scheduleRedraw() after changes
  void setXAxis(XAxis x);
  void setLogX(bool on);
  void setSmoothing(double alpha);  // 0 = none; EMA weight of the past
  int seriesCount() const;
  int pointCount() const;  // raw points drawn, for tests
  bool exportCsv(const QString& path) const;

 protected:
  void keyPressEvent(QKeyEvent* e) override;  // arrows pan, +/- zoom, 0 resets

 public Q_SLOTS:
  void scheduleRedraw();
  void redraw();

 private:
  double xOf(const MetricPoint& p) const;
  const QVector<TrainingRun>* runs_ = nullptr;
  XAxis x_ = XAxis::Steps;
  bool logX_ = false;
  double smoothing_ = 0.6;
  QTimer throttle_;
};

}  // namespace flowpp::ui
