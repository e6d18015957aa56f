#include "CurveChart.h"

#include "Charts.h"
#include "ExportFile.h"

#include <QResizeEvent>
#include <QFile>
#include <QGraphicsLayout>
#include <QGraphicsSimpleTextItem>
#include <QKeyEvent>
#include <QTextStream>
#include <QToolTip>
#include <QtCharts/QLegendMarker>
#include <QtCharts/QLineSeries>
#include <QtCharts/QLogValueAxis>
#include <QtCharts/QScatterSeries>
#include <QtCharts/QValueAxis>

#include <cmath>

namespace flowpp::ui {

namespace {
const QList<QColor> kPalette = {QColor(31, 119, 180), QColor(214, 39, 40),  QColor(44, 160, 44),  QColor(148, 103, 189),
                                QColor(255, 127, 14), QColor(140, 86, 75),  QColor(227, 119, 194), QColor(23, 190, 207),
                                QColor(188, 189, 34), QColor(127, 127, 127)};
}  // namespace

QColor CurveChart::runColour(int index) {
  if (index < kPalette.size()) return kPalette[index];
  // Beyond the palette: golden-angle steps around the hue circle never land on the same hue.
  const double hue = std::fmod(0.11 + (index - kPalette.size()) * 0.618033988749895, 1.0);
  return QColor::fromHsvF(hue, 0.75, 0.8 - 0.15 * ((index / kPalette.size()) % 2));
}

double CurveChart::niceStep(double span, int ticks) { return ui::niceStep(span, ticks); }

CurveChart::CurveChart(QWidget* parent) : QChartView(new QChart, parent) {
  setRenderHint(QPainter::Antialiasing);
  setRubberBand(QChartView::RectangleRubberBand);  // drag to zoom; right click zooms out
  setFocusPolicy(Qt::StrongFocus);
  setMinimumSize(240, 180);
  setToolTip(tr("Drag to zoom, right-click to zoom out, arrow keys pan, +/− zoom, 0 resets and follows the data again. "
                "Light dots: train bits/dim of each logged step; light line: their exponential moving average "
                "(smoothing); dark line: test bits/dim. Click a run in the legend to hide or show it."));
  chart()->setTitle(tr("Bits/dim (light: train, dark: test)"));
  chart()->legend()->setAlignment(Qt::AlignRight);
  chart()->legend()->setShowToolTips(true);
  placeholder_ = new QGraphicsSimpleTextItem(chart());
  placeholder_->setText(tr("Training curves appear here.\nStart a run, or Load run… a folder with metrics.jsonl."));
  placeholder_->setBrush(palette().placeholderText());
  rebuildAxes();
  throttle_.setSingleShot(true);
  throttle_.setInterval(40);
  connect(&throttle_, &QTimer::timeout, this, &CurveChart::redraw);
}

void CurveChart::setRuns(QVector<TrainingRun>* runs) {
  runs_ = runs;
  scheduleRedraw();
}
void CurveChart::setXAxis(XAxis x) {
  x_ = x;
  setFollow(true);
}
void CurveChart::setLogX(bool on) {
  logX_ = on;
  rebuildAxes();
  setFollow(true);
}
void CurveChart::setSmoothing(double alpha) {
  smoothing_ = alpha;
  scheduleRedraw();
}
void CurveChart::setFollow(bool on) {
  if (follow_ != on) Q_EMIT followChanged(on);
  follow_ = on;
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
  for (const auto& c : curves_)
    if (c.raw->isVisible()) n += c.raw->count();
  return n;
}

QPair<double, double> CurveChart::xRange() const {
  if (auto* v = qobject_cast<QValueAxis*>(xAxis_)) return {v->min(), v->max()};
  auto* l = static_cast<QLogValueAxis*>(xAxis_);
  return {l->min(), l->max()};
}

void CurveChart::rebuildAxes() {
  for (auto* axis : chart()->axes()) {
    chart()->removeAxis(axis);
    delete axis;
  }
  if (logX_) {
    auto* ax = new QLogValueAxis;
    ax->setBase(10);
    ax->setLabelFormat("%g");
    xAxis_ = ax;
  } else {
    xAxis_ = new QValueAxis;
  }
  yAxis_ = new QValueAxis;
  yAxis_->setTitleText(tr("bits/dim"));
  chart()->addAxis(xAxis_, Qt::AlignBottom);
  chart()->addAxis(yAxis_, Qt::AlignLeft);
  for (auto* s : chart()->series()) s->attachAxis(xAxis_), s->attachAxis(yAxis_);
  connect(yAxis_, &QValueAxis::rangeChanged, this, &CurveChart::setNiceTicks);
  if (auto* v = qobject_cast<QValueAxis*>(xAxis_)) connect(v, &QValueAxis::rangeChanged, this, &CurveChart::setNiceTicks);
}

CurveChart::Curves& CurveChart::curvesFor(const TrainingRun& run, int index) {
  const int colour = run.colourIndex(index);
  auto it = curves_.find(run.name);
  if (it != curves_.end() && it->colour == colour) return *it;
  if (it != curves_.end()) {  // the same name, now another run (loaded again): new colours
    for (QAbstractSeries* s : std::initializer_list<QAbstractSeries*>{it->raw, it->smooth, it->test}) {
      chart()->removeSeries(s);
      delete s;
    }
    curves_.erase(it);
  }
  Curves c;
  c.colour = colour;
  const QColor dark = runColour(colour), light = dark.lighter(160);
  c.raw = new QScatterSeries;
  c.raw->setMarkerSize(4);
  c.raw->setColor(light);
  c.raw->setBorderColor(light);
  c.smooth = new QLineSeries;
  c.smooth->setColor(light);
  c.test = new QLineSeries;
  c.test->setName(run.name);
  QPen pen(dark);
  pen.setWidth(2);
  c.test->setPen(pen);
  c.test->setPointsVisible(true);
  const QString name = run.name;
  for (QXYSeries* s : std::initializer_list<QXYSeries*>{c.raw, c.smooth, c.test}) {
    chart()->addSeries(s);
    s->attachAxis(xAxis_);
    s->attachAxis(yAxis_);
    connect(s, &QXYSeries::hovered, this, [this, name, s](const QPointF& p, bool on) {
      if (on)
        QToolTip::showText(QCursor::pos(), QString("%1 (%2)\nx = %3, %4 bits/dim").arg(name, s == curves_[name].test ? tr("test") : tr("train"))
                                               .arg(p.x()).arg(p.y(), 0, 'f', 4), this);
    });
  }
  for (QXYSeries* s : std::initializer_list<QXYSeries*>{c.raw, c.smooth})  // the legend names each run once
    for (auto* marker : chart()->legend()->markers(s)) marker->setVisible(false);
  for (auto* marker : chart()->legend()->markers(c.test))
    connect(marker, &QLegendMarker::clicked, this, [this, name] {
      for (auto& r : *runs_)
        if (r.name == name) r.visible = !r.visible;
      redraw();
      Q_EMIT visibilityToggled(name);
    });
  styleChart(chart());  // the new lines get the presentation mode's width
  return *curves_.insert(run.name, c);
}

void CurveChart::redraw() {
  if (!runs_) return;
  QStringList present;
  for (int r = 0; r < runs_->size(); ++r) {
    const auto& run = (*runs_)[r];
    present << run.name;
    auto& c = curvesFor(run, r);
    QList<QPointF> raw, smooth, test;
    double ema = qQNaN();
    for (const auto& p : run.points()) {
      const double x = xOf(p);
      if (!qIsNaN(p.train) && p.train < 20) {
        raw << QPointF(x, p.train);
        ema = qIsNaN(ema) ? p.train : smoothing_ * ema + (1 - smoothing_) * p.train;
        smooth << QPointF(x, ema);
      }
      if (!qIsNaN(p.test)) test << QPointF(x, p.test);
    }
    c.raw->replace(raw);
    c.smooth->replace(smooth);
    c.test->replace(test);
    c.raw->setVisible(run.shown());
    c.smooth->setVisible(run.shown() && smoothing_ > 0);
    c.test->setVisible(run.shown());
    for (auto* marker : chart()->legend()->markers(c.test)) {
      marker->setVisible(!run.filteredOut);  // a hidden run stays in the legend (greyed) to be shown again
      marker->setLabelBrush(run.visible ? palette().text() : palette().placeholderText());
    }
  }
  for (auto it = curves_.begin(); it != curves_.end();) {
    if (present.contains(it.key())) {
      ++it;
      continue;
    }
    for (QAbstractSeries* s : std::initializer_list<QAbstractSeries*>{it->raw, it->smooth, it->test}) {
      chart()->removeSeries(s);
      delete s;
    }
    it = curves_.erase(it);
  }
  xAxis_->setTitleText(x_ == XAxis::Steps ? tr("steps") : x_ == XAxis::Epochs ? tr("epochs") : tr("wall time (minutes)"));
  if (follow_) fitAxes();
  updatePlaceholder();
  Q_EMIT redrawn();
}

// The axes around the visible data (y clipped to 8 bits/dim so a first huge loss does not hide the rest).
void CurveChart::fitAxes() {
  double lo = 1e9, hi = -1e9, xlo = 1e18, xhi = -1e18;
  for (const auto& c : curves_)
    for (QXYSeries* s : std::initializer_list<QXYSeries*>{c.raw, c.test}) {
      if (!s->isVisible()) continue;
      for (const auto& p : s->points()) {
        xlo = std::min(xlo, p.x()), xhi = std::max(xhi, p.x());
        lo = std::min(lo, p.y()), hi = std::max(hi, std::min(p.y(), 8.0));
      }
    }
  // Dynamic ticks at the old interval over a much wider new range would lay out millions of labels
  // (a hang); fixed ticks until setNiceTicks picks the interval for the new range.
  auto fixTicks = [](QAbstractAxis* axis) {
    if (auto* v = qobject_cast<QValueAxis*>(axis)) {
      const QSignalBlocker block(v);
      v->setTickType(QValueAxis::TicksFixed);
    }
  };
  if (hi >= lo) {
    const double pad = std::max(0.02 * (hi - lo), 1e-3);
    fixTicks(yAxis_);
    yAxis_->setRange(lo - pad, hi + pad);
  }
  if (xhi >= xlo) {
    fixTicks(xAxis_);
    xAxis_->setRange(logX_ ? std::max(xlo, 1e-3) : 0.0, std::max(xhi, xlo + 1));
  }
  setNiceTicks();
}

// Ticks on round numbers (1, 2 or 5 times a power of ten) whatever the zoom.
void CurveChart::setNiceTicks() {
  auto nice = [](QValueAxis* axis, int ticks) {
    const double step = niceStep(axis->max() - axis->min(), ticks);
    const QSignalBlocker block(axis);
    axis->setTickType(QValueAxis::TicksDynamic);
    axis->setTickAnchor(std::floor(axis->min() / step) * step);
    axis->setTickInterval(step);
    const int decimals = std::max(0, int(std::ceil(-std::log10(step))));
    axis->setLabelFormat(QString("%.%1f").arg(decimals));
  };
  nice(yAxis_, std::max(3, height() / 80));
  if (auto* v = qobject_cast<QValueAxis*>(xAxis_)) nice(v, std::max(3, width() / 110));
}

void CurveChart::updatePlaceholder() {
  bool empty = true;
  for (const auto& c : curves_) empty = empty && c.raw->count() == 0 && c.test->count() == 0;
  placeholder_->setVisible(empty);
  const QRectF area = chart()->plotArea();
  const QRectF text = placeholder_->boundingRect();
  placeholder_->setPos(area.center() - QPointF(text.width() / 2, text.height() / 2));
}

void CurveChart::userMovedView() {
  if (follow_) {
    follow_ = false;
    Q_EMIT followChanged(false);
  }
  setNiceTicks();
}

void CurveChart::mousePressEvent(QMouseEvent* e) {
  pressedAt_ = e->pos();
  QChartView::mousePressEvent(e);
}

void CurveChart::mouseReleaseEvent(QMouseEvent* e) {
  const bool zoomed = e->button() == Qt::RightButton || (e->pos() - pressedAt_).manhattanLength() > 4;
  QChartView::mouseReleaseEvent(e);
  if (zoomed) userMovedView();
}

void CurveChart::wheelEvent(QWheelEvent* e) {
  chart()->zoom(e->angleDelta().y() > 0 ? 1.25 : 0.8);
  userMovedView();
}

QImage CurveChart::exportImage() {
  auto* legend = chart()->legend();
  const bool shown = legend->isVisible();
  legend->setVisible(true);  // an exported chart names its runs, however narrow the view
  if (chart()->layout()) chart()->layout()->activate();
  const QImage image = grab().toImage();
  legend->setVisible(shown);
  return image;
}

void CurveChart::resizeEvent(QResizeEvent* e) {
  // Beside a wide chart the legend costs little; below a narrow one it leaves the plot its width
  // and the run names their length; a very narrow one has none (the run list shows the colours).
  chart()->legend()->setAlignment(e->size().width() < 900 ? Qt::AlignBottom : Qt::AlignRight);
  chart()->legend()->setVisible(e->size().width() >= 600);
  QChartView::resizeEvent(e);
  setNiceTicks();
  updatePlaceholder();
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
    case Qt::Key_0: setFollow(true); return;
    default: QChartView::keyPressEvent(e); return;
  }
  userMovedView();
}

bool CurveChart::exportCsv(const QString& path) const {
  if (!runs_) return false;
  return saveTextAtomically(path, [&](QTextStream& out) {
    out << "run,step,epoch,wall_seconds,train_bpd,test_bpd\n";
    for (const auto& run : *runs_)
      for (const auto& p : run.points())
        out << run.name << "," << p.step << "," << p.epoch << "," << p.wall << "," << (qIsNaN(p.train) ? QString() : QString::number(p.train, 'g', 8)) << ","
            << (qIsNaN(p.test) ? QString() : QString::number(p.test, 'g', 8)) << "\n";
  });
}

}  // namespace flowpp::ui
