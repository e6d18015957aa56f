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

}  // namespace flowpp::ui
