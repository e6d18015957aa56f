#pragma once
// The 1-D dequantization picture: the data's probabilities as bars over [x, x+1), the densities
// fitted with uniform and with learned noise, and (below) the learned q(u|x) of every level.
#include <QWidget>

#include "toy/ToyTypes.h"

namespace flowpp::ui {

class Dequant1DPlot : public QWidget {
  Q_OBJECT
 public:
  explicit Dequant1DPlot(QWidget* parent = nullptr);
  void setReport(const Dequant1DReport& report);
  QSize sizeHint() const override { return {640, 420}; }
  QSize minimumSizeHint() const override { return {320, 260}; }

 protected:
  void paintEvent(QPaintEvent*) override;

 private:
  Dequant1DReport r_;
};

}  // namespace flowpp::ui
