#include "Dequant1DPlot.h"

#include <QPainter>
#include <QPainterPath>

#include <algorithm>

namespace flowpp::ui {

namespace {
const QColor kUniform(240, 130, 20), kVariational(30, 110, 200);
}

Dequant1DPlot::Dequant1DPlot(QWidget* parent) : QWidget(parent) {
  setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Expanding);
}

void Dequant1DPlot::setReport(const Dequant1DReport& report) {
  r_ = report;
  update();
}

void Dequant1DPlot::paintEvent(QPaintEvent*) {
  QPainter p(this);
  p.setRenderHint(QPainter::Antialiasing);
  p.fillRect(rect(), palette().base());
  if (r_.dataProbs.empty()) {
    p.drawText(rect(), Qt::AlignCenter, tr("Press Fit"));
    return;
  }
  const int levels = int(r_.dataProbs.size()), line = fontMetrics().height();
  const QRectF top(10, line + 8, width() - 20, (height() - 3 * line - 24) * 0.68);
  const QRectF bottom(10, top.bottom() + line + 14, width() - 20, height() - top.bottom() - line - 20);
  double hi = *std::max_element(r_.dataProbs.begin(), r_.dataProbs.end());
  for (const auto* f : {&r_.uniform, &r_.variational})
    if (!f->density.empty()) hi = std::max(hi, *std::max_element(f->density.begin(), f->density.end()));
  auto x = [&](double v) { return top.left() + v / levels * top.width(); };
  auto y = [&](double d) { return top.bottom() - d / hi * top.height(); };
  p.setPen(palette().text().color());
  p.drawText(QPointF(10, line), tr("Grey bars: P_data(x) spread over [x, x+1).  Orange: p(v) fitted with uniform u.  Blue: p(v) "
                                   "fitted with learned q(u|x)."));
  for (int i = 0; i < levels; ++i)
    p.fillRect(QRectF(QPointF(x(i) + 1, y(r_.dataProbs[i])), QPointF(x(i + 1) - 1, top.bottom())), QColor(215, 215, 215));
  auto curve = [&](const std::vector<double>& d, const QColor& c) {
    QPainterPath path;
    for (size_t i = 0; i < d.size() && i < r_.v.size(); ++i) i == 0 ? path.moveTo(x(r_.v[i]), y(d[i])) : path.lineTo(x(r_.v[i]), y(d[i]));
    p.setPen(QPen(c, 2));
    p.drawPath(path);
  };
  curve(r_.uniform.density, kUniform);
  curve(r_.variational.density, kVariational);
  p.setPen(palette().text().color());
  p.drawLine(QPointF(top.left(), top.bottom()), QPointF(top.right(), top.bottom()));
  for (int i = 0; i <= levels; i += std::max(1, levels / 12)) p.drawText(QPointF(x(i) - 3, top.bottom() + line), QString::number(i));
  // q(u|x) of each level, side by side over its own [x, x+1).
  p.drawText(QPointF(10, bottom.top() - 4), tr("Learned noise q(u|x) for each level x (uniform would be a flat line)"));
  double qhi = 1.0;
  for (const auto& q : r_.variational.noiseDensity) qhi = std::max(qhi, *std::max_element(q.begin(), q.end()));
  qhi = std::min(qhi, 12.0);
  p.setPen(QPen(kVariational, 1.5));
  for (size_t level = 0; level < r_.variational.noiseDensity.size(); ++level) {
    const auto& q = r_.variational.noiseDensity[level];
    QPainterPath path;
    for (size_t i = 0; i < q.size(); ++i) {
      const QPointF at(bottom.left() + (level + r_.u[i]) / levels * bottom.width(), bottom.bottom() - std::min(q[i], qhi) / qhi * bottom.height());
      i == 0 ? path.moveTo(at) : path.lineTo(at);
    }
    p.drawPath(path);
  }
  p.setPen(QPen(kUniform, 1, Qt::DashLine));
  const double flat = bottom.bottom() - 1.0 / qhi * bottom.height();
  p.drawLine(QPointF(bottom.left(), flat), QPointF(bottom.right(), flat));
}

}  // namespace flowpp::ui
