#pragma once
// One view of the playground's plane [-4, 4]^2: a density heatmap, the grid lines as a layer bends
// them, and point clouds, each optional. Paints only; the data comes from a ToyFrame.
#include <QColor>
#include <QImage>
#include <QWidget>

#include <vector>

#include "toy/ToyTypes.h"

namespace flowpp::ui {

class ToyPlane : public QWidget {
  Q_OBJECT
 public:
  explicit ToyPlane(const QString& title, QWidget* parent = nullptr);
  void setDensity(const std::vector<double>& density, int grid, double hi);  // empty: no heatmap
  void setGridLines(const std::vector<ToyPoints>& lines);
  void setPoints(const std::vector<std::pair<ToyPoints, QColor>>& clouds);
  void setSubtitle(const QString& text);
  QSize sizeHint() const override { return {260, 280}; }
  QSize minimumSizeHint() const override { return {150, 170}; }

 protected:
  void paintEvent(QPaintEvent*) override;

 private:
  QString title_, subtitle_;
  QImage heatmap_;
  std::vector<ToyPoints> lines_;
  std::vector<std::pair<ToyPoints, QColor>> clouds_;
};

}  // namespace flowpp::ui
