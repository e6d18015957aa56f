#pragma once
// The row under a CurveChart: x axis (steps, epochs, wall time), log x, follow, smoothing, and PNG/CSV
// export. It only forwards to the chart.
#include <QWidget>

namespace flowpp::ui {

class CurveChart;

class ChartControls : public QWidget {
  Q_OBJECT
 public:
  explicit ChartControls(CurveChart* chart, QWidget* parent = nullptr);

 Q_SIGNALS:
  void message(const QString& text);  // a failed export

 private:
  CurveChart* chart_;
};

}  // namespace flowpp::ui
