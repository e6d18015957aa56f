#include "ToyCurves.h"

#include <QPainter>
#include <QPainterPath>

#include <algorithm>
#include <cmath>

namespace flowpp::ui {

ToyCurves::ToyCurves(QWidget* parent) : QWidget(parent) {
  setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Expanding);
  setToolTip(tr("Training negative log-likelihood in nats per point (mean of 10 steps). Lower is better; "
                "both flows see the same batches, so the gap between the curves is the coupling's doing."));
}

void ToyCurves::setCurves(const std::vector<long long>& steps, const std::vector<Series>& series) {
  steps_ = steps, series_ = series;
  update();
}

void ToyCurves::paintEvent(QPaintEvent*) {
  QPainter p(this);
  p.setRenderHint(QPainter::Antialiasing);
  const int label = fontMetrics().height() + 4;
  p.drawText(QRectF(0, 0, width(), label), Qt::AlignLeft | Qt::AlignVCenter, fontMetrics().elidedText(tr("Training NLL (nats) vs step"), Qt::ElideRight, width()));
  const QRectF area(44, label + 4, std::max(10, width() - 52), std::max(10, height() - label - 28));
  p.fillRect(area, palette().base());
  p.setPen(palette().mid().color());
  p.drawRect(area);
  if (steps_.size() < 2) {
    p.drawText(area, Qt::AlignCenter, tr("Press Train"));
    return;
  }
  // y from the lowest value to 3 nats above it, so the first steps do not flatten the rest.
  double lo = 1e9;
  for (const auto& s : series_)
    for (double v : s.values) lo = std::min(lo, v);
  double hi = lo;
  for (const auto& s : series_)
    for (double v : s.values) hi = std::max(hi, std::min(v, lo + 3.0));
  hi = std::max(hi, lo + 0.05);
  const double x1 = double(steps_.back());
  auto at = [&](size_t i, double v) {
    return QPointF(area.left() + steps_[i] / x1 * area.width(), area.bottom() - (std::min(v, hi) - lo) / (hi - lo) * area.height());
  };
  p.setPen(palette().text().color());
  p.drawText(QRectF(0, area.top() - 6, 40, 14), Qt::AlignRight, QString::number(hi, 'f', 2));
  p.drawText(QRectF(0, area.bottom() - 8, 40, 14), Qt::AlignRight, QString::number(lo, 'f', 2));
  p.drawText(QRectF(area.left(), area.bottom() + 2, area.width(), 16), Qt::AlignRight, tr("step %1").arg(steps_.back()));
  int legend = 0;
  for (const auto& s : series_) {
    QPainterPath path;
    for (size_t i = 0; i < s.values.size() && i < steps_.size(); ++i) i == 0 ? path.moveTo(at(i, s.values[i])) : path.lineTo(at(i, s.values[i]));
    p.setPen(QPen(s.colour, 1.5));
    p.drawPath(path);
    p.drawText(QPointF(area.left() + 8, area.top() + 16 + 16 * legend++),
               QString("%1  %2").arg(s.name).arg(s.values.empty() ? 0.0 : s.values.back(), 0, 'f', 3));
  }
}

}  // namespace flowpp::ui
