#pragma once
// Train (light) and test (dark) bits/dim curves of several runs with Qt Charts: x by steps, epochs
// or wall time, log-x, smoothing drawn as its own line over the raw points, rubber-band zoom, hover
// values, PNG/CSV export. New points never undo a zoom: the axes follow the data only while
// "follow" is on, and zooming or panning turns it off. Clicking a run in the legend hides or shows
// it. Each run keeps its colour (TrainingRun::colour), never another run's; ticks fall on round
// numbers. Redraws are throttled (at most every 40 ms).
#include <QMap>
#include <QTimer>
#include <QtCharts/QChartView>

#include "TrainingRun.h"

class QGraphicsSimpleTextItem;
class QScatterSeries;
class QLineSeries;
class QAbstractAxis;
class QValueAxis;

namespace flowpp::ui {

class CurveChart : public QChartView {
  Q_OBJECT
 public:
  enum class XAxis { Steps, Epochs, WallTime };
  explicit CurveChart(QWidget* parent = nullptr);
  void setRuns(QVector<TrainingRun>* runs);  // not owned; call scheduleRedraw() after changes
  void setXAxis(XAxis x);
  void setLogX(bool on);
  void setSmoothing(double alpha);  // 0 = none; EMA weight of the past
  void setFollow(bool on);
  bool follow() const { return follow_; }
  int seriesCount() const;
  int pointCount() const;  // raw points drawn, for tests
  QPair<double, double> xRange() const;
  bool exportCsv(const QString& path) const;
  QImage exportImage();  // the chart as shown, with its legend even where the view hides it
  static QColor runColour(int index);  // distinct for every index
  static double niceStep(double span, int ticks);  // 1, 2 or 5 times a power of ten

 Q_SIGNALS:
  void followChanged(bool on);
  void visibilityToggled(const QString& run);  // the user clicked the run in the legend
  void redrawn();  // after every redraw (they are throttled: scheduleRedraw coalesces requests)

 protected:
  void keyPressEvent(QKeyEvent* e) override;    // arrows pan, +/- zoom, 0 resets
  void mousePressEvent(QMouseEvent* e) override;
  void mouseReleaseEvent(QMouseEvent* e) override;  // a rubber-band zoom or a right-click zoom-out stops following
  void wheelEvent(QWheelEvent* e) override;
  void resizeEvent(QResizeEvent* e) override;

 public Q_SLOTS:
  void scheduleRedraw();
  void redraw();

 private:
  struct Curves {
    QScatterSeries* raw = nullptr;
    QLineSeries *smooth = nullptr, *test = nullptr;
    int colour = -1;
  };
  double xOf(const MetricPoint& p) const;
  void rebuildAxes();
  Curves& curvesFor(const TrainingRun& run, int index);
  void fitAxes();
  void setNiceTicks();
  void userMovedView();
  void updatePlaceholder();

  QVector<TrainingRun>* runs_ = nullptr;
  QMap<QString, Curves> curves_;
  QAbstractAxis* xAxis_ = nullptr;
  QValueAxis* yAxis_ = nullptr;
  QGraphicsSimpleTextItem* placeholder_ = nullptr;
  XAxis x_ = XAxis::Steps;
  bool logX_ = false, follow_ = true;
  double smoothing_ = 0.6;
  QPoint pressedAt_;
  QTimer throttle_;
};

}  // namespace flowpp::ui
