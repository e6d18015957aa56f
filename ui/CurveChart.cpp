#include "CurveChart.h"

#include <QFile>
#include <QKeyEvent>
#include <QTextStream>
#include <QToolTip>
#include <QtCharts/QLegendMarker>
#include <QtCharts/QLineSeries>
#include <QtCharts/QLogValueAxis>
#include <QtCharts/QScatterSeries>
#include <QtCharts/QValueAxis>

namespace flowpp::ui {

namespace {
const QList<QColor> kColours = {QColor(31, 119, 180), QColor(214, 39, 40), QColor(44, 160, 44), QColor(148, 103, 189),
                                QColor(255, 127, 14), QColor(140, 86, 75)};
}

CurveChart::CurveChart(QWidget* parent) : QChartView(new QChart, parent) {
  setRenderHint(QPainter::Antialiasing);
  setRubberBand(QChartView::RectangleRubberBand);  // drag to zoom; right click zooms out
  setFocusPolicy(Qt::StrongFocus);
  setToolTip(tr("Drag to zoom, right-click to zoom out, arrow keys pan, +/− zoom, 0 resets. Light: train, dark: test. Thin dots are the raw points; "
                "the line over the train points is an exponential moving average (smoothing), shown as such."));
  throttle_.setSingleShot(true);
  throttle_.setInterval(40);
  connect(&throttle_, &QTimer::timeout, this, &CurveChart::redraw);
}

void CurveChart::setRuns(const QVector<TrainingRun>* runs) {
  runs_ = runs;
  scheduleRedraw();
}
void CurveChart::setXAxis(XAxis x) {
  x_ = x;
  scheduleRedraw();
}
void CurveChart::setLogX(bool on) {
  logX_ = on;
  scheduleRedraw();
}
void CurveChart::setSmoothing(double alpha) {
  smoothing_ = alpha;
  scheduleRedraw();
}
void CurveChart::scheduleRedraw() {
  if (!throttle_.isActive()) throttle_.start();
}

double CurveChart::xOf(const MetricPoint& p) const {
  switch (x_) {
    case XAxis::Steps: return std::max(1.0, p.step);
    case XAxis::Epochs: return std::max(1e-3, p.epoch);
    case XAxis::WallTime: return std::max(1.0, p.wall) / 60.0;
  }
  return p.step;
}

int CurveChart::seriesCount() const { return chart()->series().size(); }

int CurveChart::pointCount() const {
  int n = 0;
  for (auto* s : chart()->series())
    if (auto* sc = qobject_cast<QScatterSeries*>(s)) n += sc->count();
  return n;
}

void CurveChart::redraw() {
  auto* chart = new QChart;
  chart->setTitle(tr("Bits/dim (light: train, dark: test)"));
  QAbstractAxis* xAxis;
  if (logX_) {
    auto* ax = new QLogValueAxis;
    ax->setBase(10);
    ax->setLabelFormat("%g");
    xAxis = ax;
  } else {
    xAxis = new QValueAxis;
  }
  xAxis->setTitleText(x_ == XAxis::Steps ? tr("steps") : x_ == XAxis::Epochs ? tr("epochs") : tr("wall time (minutes)"));
  auto* yAxis = new QValueAxis;
  yAxis->setTitleText(tr("bits/dim"));
  chart->addAxis(xAxis, Qt::AlignBottom);
  chart->addAxis(yAxis, Qt::AlignLeft);
  double lo = 1e9, hi = -1e9, xlo = 1e18, xhi = -1e18;
  for (int r = 0; runs_ && r < runs_->size(); ++r) {
    const auto& run = (*runs_)[r];
    const QColor dark = kColours[r % kColours.size()], light = dark.lighter(160);
    auto* raw = new QScatterSeries;
    raw->setName(run.name + tr(" train (raw)"));
    raw->setMarkerSize(4);
    raw->setColor(light);
    raw->setBorderColor(light);
    auto* smooth = new QLineSeries;
    smooth->setName(run.name + tr(" train (smoothed)"));
    smooth->setColor(light);
    auto* test = new QLineSeries;
    test->setName(run.name + tr(" test"));
    QPen pen(dark);
    pen.setWidth(2);
    test->setPen(pen);
    test->setPointsVisible(true);
    double ema = qQNaN();
    for (const auto& p : run.points) {
      const double x = xOf(p);
      xlo = std::min(xlo, x), xhi = std::max(xhi, x);
      if (!qIsNaN(p.train) && p.train < 20) {
        raw->append(x, p.train);
        ema = qIsNaN(ema) ? p.train : smoothing_ * ema + (1 - smoothing_) * p.train;
        smooth->append(x, ema);
        lo = std::min(lo, p.train), hi = std::max(hi, std::min(p.train, 8.0));
      }
      if (!qIsNaN(p.test)) {
        test->append(x, p.test);
        lo = std::min(lo, p.test), hi = std::max(hi, std::min(p.test, 8.0));
      }
    }
    for (QXYSeries* s : std::initializer_list<QXYSeries*>{raw, smooth, test}) {
      chart->addSeries(s);
      s->attachAxis(xAxis);
      s->attachAxis(yAxis);
      connect(s, &QXYSeries::hovered, this, [this, s](const QPointF& p, bool on) {
        if (on) QToolTip::showText(QCursor::pos(), QString("%1\nx = %2, %3 bits/dim").arg(s->name()).arg(p.x()).arg(p.y(), 0, 'f', 4), this);
      });
    }
    if (smoothing_ <= 0) smooth->setVisible(false);
    for (QXYSeries* s : std::initializer_list<QXYSeries*>{raw, smooth})  // the legend names each run once
      for (auto* marker : chart->legend()->markers(s)) marker->setVisible(false);
  }
  if (hi > lo) yAxis->setRange(lo - 0.02 * (hi - lo), hi + 0.02 * (hi - lo));
  if (xhi > xlo) xAxis->setRange(logX_ ? std::max(xlo, 1e-3) : 0.0, xhi);
  auto* old = this->chart();
  setChart(chart);
  delete old;
}

void CurveChart::keyPressEvent(QKeyEvent* e) {
  const double step = 20;
  switch (e->key()) {
    case Qt::Key_Left: chart()->scroll(-step, 0); break;
    case Qt::Key_Right: chart()->scroll(step, 0); break;
    case Qt::Key_Up: chart()->scroll(0, step); break;
    case Qt::Key_Down: chart()->scroll(0, -step); break;
    case Qt::Key_Plus: case Qt::Key_Equal: chart()->zoomIn(); break;
    case Qt::Key_Minus: chart()->zoomOut(); break;
    case Qt::Key_0: chart()->zoomReset(); break;
    default: QChartView::keyPressEvent(e);
  }
}

bool CurveChart::exportCsv(const QString& path) const {
  QFile f(path);
  if (!runs_ || !f.open(QIODevice::WriteOnly | QIODevice::Truncate)) return false;
  QTextStream out(&f);
  out << "run,step,epoch,wall_seconds,train_bpd,test_bpd\n";
  for (const auto& run : *runs_)
    for (const auto& p : run.points)
      out << run.name << "," << p.step << "," << p.epoch << "," << p.wall << "," << p.train << ","
          << (qIsNaN(p.test) ? QString() : QString::number(p.test, 'g', 8)) << "\n";
  return true;
}

}  // namespace flowpp::ui
