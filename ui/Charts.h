#pragma once
// Small Qt Charts helpers shared by the panels.
#include <QString>
#include <QVector>
#include <QtCharts/QChartView>

namespace flowpp::ui {

// A bar histogram of `counts` over [lo, hi) (as density when `density`), optional horizontal
// reference line (e.g. the uniform density 1) and an optional vertical marker.
QChart* histogramChart(const QString& title, const QVector<double>& counts, double lo, double hi, bool density,
                       double referenceLevel = -1, double marker = qQNaN(), const QString& xTitle = {});
QChartView* makeChartView(QChart* chart);
// A tick step for `span` with about `ticks` ticks: 1, 2 or 5 times a power of ten.
double niceStep(double span, int ticks);
// An empty chart that says what will appear in it.
QChart* placeholderChart(const QString& whatWillAppear);
// Shows `chart` in `view` and only then deletes the chart the view showed before (deleting it
// first leaves the view with a dangling chart).
void replaceChart(QChartView* view, QChart* chart);
// Presentation mode (View menu): chart text 1.5x larger and lines twice as thick, for a projector.
// makeChartView and replaceChart style every chart they show; styleChart restyles one already shown.
void setPresentationMode(bool on);
void styleChart(QChart* chart);

}  // namespace flowpp::ui
