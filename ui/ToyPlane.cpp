#include "ToyPlane.h"

#include <QPainter>
#include <QPainterPath>

#include "PixelsImage.h"
#include "data/Pixels.h"

namespace flowpp::ui {

ToyPlane::ToyPlane(const QString& title, QWidget* parent) : QWidget(parent), title_(title) {
  setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Expanding);
}

void ToyPlane::setDensity(const std::vector<double>& density, int grid, double hi) {
  heatmap_ = density.empty() ? QImage() : heatmapImage(density, grid, grid, 0.0, hi);
  update();
}

void ToyPlane::setGridLines(const std::vector<ToyPoints>& lines) {
  lines_ = lines;
  update();
}

void ToyPlane::setPoints(const std::vector<std::pair<ToyPoints, QColor>>& clouds) {
  clouds_ = clouds;
  update();
}

void ToyPlane::setSubtitle(const QString& text) {
  subtitle_ = text;
  update();
}

void ToyPlane::paintEvent(QPaintEvent*) {
  QPainter p(this);
  p.setRenderHint(QPainter::Antialiasing);
  const int label = fontMetrics().height() + 4;
  const int side = std::max(10, std::min(width(), height() - label));
  const QRectF square((width() - side) / 2.0, label, side, side);
  const QString title = subtitle_.isEmpty() ? title_ : title_ + " — " + subtitle_;
  p.drawText(QRectF(0, 0, width(), label), Qt::AlignLeft | Qt::AlignVCenter, fontMetrics().elidedText(title, Qt::ElideRight, width()));
  p.fillRect(square, heatmap_.isNull() ? QColor(250, 250, 250) : QColor(0, 0, 0));
  if (!heatmap_.isNull()) p.drawImage(square, heatmap_);
  auto toWidget = [&](float x, float y) {
    return QPointF(square.left() + (x + kToyExtent) / (2 * kToyExtent) * side, square.top() + (kToyExtent - y) / (2 * kToyExtent) * side);
  };
  p.save();
  p.setClipRect(square);
  p.setPen(QPen(QColor(140, 140, 140, 170), 1));
  for (const auto& line : lines_) {
    QPainterPath path;
    for (size_t i = 0; i < line.size(); ++i) {
      const QPointF at = toWidget(line.xy[2 * i], line.xy[2 * i + 1]);
      i == 0 ? path.moveTo(at) : path.lineTo(at);
    }
    p.drawPath(path);
  }
  p.setPen(Qt::NoPen);
  const double r = side > 300 ? 1.6 : 1.2;
  for (const auto& [cloud, colour] : clouds_) {
    p.setBrush(colour);
    for (size_t i = 0; i < cloud.size(); ++i) p.drawEllipse(toWidget(cloud.xy[2 * i], cloud.xy[2 * i + 1]), r, r);
  }
  p.restore();
  p.setPen(palette().mid().color());
  p.setBrush(Qt::NoBrush);
  p.drawRect(square);
}

}  // namespace flowpp::ui
