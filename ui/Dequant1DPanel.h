#pragma once
// Dequantization in one dimension: fit discrete data with uniform and with learned noise, and see
// the densities, the bound, the exact likelihood and the gap (Flow++'s first point, sec. 3.1).
#include <QWidget>

#include "ToyWorker.h"

class QLabel;
class QProgressBar;
class QPushButton;
class QSpinBox;

namespace flowpp::ui {

class Dequant1DPlot;

class Dequant1DPanel : public QWidget {
  Q_OBJECT
 public:
  explicit Dequant1DPanel(ToyWorker* worker, QWidget* parent = nullptr);
  const Dequant1DReport& lastReport() const { return last_; }

 public Q_SLOTS:
  void fit();

 Q_SIGNALS:
  void reportShown();

 private:
  void showReport(const Dequant1DReport& r);

  ToyWorker* worker_;
  QSpinBox *levels_, *components_, *steps_, *seed_;
  QPushButton *fit_, *cancel_;
  QProgressBar* progress_;
  QLabel* result_;
  Dequant1DPlot* plot_;
  Dequant1DReport last_;
  bool fitting_ = false;
};

}  // namespace flowpp::ui
