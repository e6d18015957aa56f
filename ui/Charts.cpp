#include "Charts.h"

#include <cmath>

#include <QApplication>

#include <QtCharts/QAreaSeries>
#include <QtCharts/QLineSeries>
#include <QtCharts/QValueAxis>

namespace flowpp::ui {

QChart* histogramChart(const QString& title, const QVector<double>& counts, double lo, double hi, bool density,
                       double referenceLevel, double marker, const QString& xTitle) {
  auto* chart = new QChart;
  chart->setTitle(title);
  chart->legend()->setVisible(referenceLevel >= 0 || !qIsNaN(marker));
  const int n = counts.size();
  const double width = (hi - lo) / std::max(1, n);
  double total = 0;
  for (double c : counts) total += c;
  auto* upper = new QLineSeries;
  double top = 0;
  for (int i = 0; i < n; ++i) {
    const double v = density && total > 0 ? counts[i] / (total * width) : counts[i];
    top = std::max(top, v);
    upper->append(lo + i * width, v);
    upper->append(lo + (i + 1) * width, v);
  }
  auto* area = new QAreaSeries(upper);
  upper->setParent(area);  // an area series does not own its boundary series
  area->setName(density ? QObject::tr("density") : QObject::tr("count"));
  chart->addSeries(area);
  auto* x = new QValueAxis;
  x->setRange(lo, hi);
  x->setTitleText(xTitle);
  auto* y = new QValueAxis;
  y->setRange(0, std::max(top, referenceLevel) * 1.1 + 1e-12);
  if (!density) {
    // Counts are whole numbers: whole-number ticks from 0 (not 49.8 and 138.6).
    const double step = std::max(1.0, niceStep(y->max(), 5));
    y->setRange(0, std::ceil(y->max() / step) * step);
    y->setTickType(QValueAxis::TicksDynamic);
    y->setTickAnchor(0);
    y->setTickInterval(step);
    y->setLabelFormat("%d");
  }
  chart->addAxis(x, Qt::AlignBottom);
  chart->addAxis(y, Qt::AlignLeft);
  area->attachAxis(x);
  area->attachAxis(y);
  if (referenceLevel >= 0) {
    auto* ref = new QLineSeries;
    ref->setName(QObject::tr("uniform density"));
    ref->append(lo, referenceLevel);
    ref->append(hi, referenceLevel);
    chart->addSeries(ref);
    ref->attachAxis(x);
    ref->attachAxis(y);
  }
  if (!qIsNaN(marker)) {
    auto* m = new QLineSeries;
    m->setName(QObject::tr("this image"));
    m->append(marker, 0);
    m->append(marker, y->max());
    QPen pen(Qt::red);
    pen.setWidth(2);
    m->setPen(pen);
    chart->addSeries(m);
    m->attachAxis(x);
    m->attachAxis(y);
  }
  return chart;
}

QChart* placeholderChart(const QString& whatWillAppear) {
  auto* chart = new QChart;
  chart->setTitle(whatWillAppear);
  chart->legend()->setVisible(false);
  return chart;
}

namespace {
bool presenting = false;
}

void setPresentationMode(bool on) { presenting = on; }

void styleChart(QChart* chart) {
  const double scale = presenting ? 1.5 : 1.0;
  const double base = QApplication::font().pointSizeF();
  auto sized = [&](QFont font, double factor) {
    font.setPointSizeF(base * factor * scale);
    return font;
  };
  chart->setTitleFont(sized(chart->titleFont(), 1.0));
  chart->legend()->setFont(sized(chart->legend()->font(), 0.9));
  for (auto* axis : chart->axes()) {
    axis->setLabelsFont(sized(axis->labelsFont(), 0.85));
    axis->setTitleFont(sized(axis->titleFont(), 0.9));
  }
  for (auto* series : chart->series())
    if (auto* line = qobject_cast<QLineSeries*>(series)) {
      // The width the series was made with is kept beside it, so styling twice changes nothing.
      if (!line->property("baseWidth").isValid()) line->setProperty("baseWidth", line->pen().widthF());
      QPen pen = line->pen();
      const double width = line->property("baseWidth").toDouble() * (presenting ? 2.0 : 1.0);
      if (pen.widthF() == width) continue;
      pen.setWidthF(width);
      line->setPen(pen);
    }
}

void replaceChart(QChartView* view, QChart* chart) {
  QChart* old = view->chart();
  styleChart(chart);
  view->setChart(chart);
  delete old;
}

QChartView* makeChartView(QChart* chart) {
  styleChart(chart);
  auto* view = new QChartView(chart);
  view->setRenderHint(QPainter::Antialiasing);
  view->setMinimumHeight(150);
  return view;
}

double niceStep(double span, int ticks) {
  if (!(span > 0) || ticks < 1) return 1;
  const double raw = span / ticks, power = std::pow(10.0, std::floor(std::log10(raw)));
  for (double m : {1.0, 2.0, 5.0})
    if (m * power >= raw) return m * power;
  return 10 * power;
}

}  // namespace flowpp::ui
