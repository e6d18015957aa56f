#pragma once
// A vertical colour scale in the product's colour map, labelled with its top, bottom and unit.
#include <QWidget>

namespace flowpp::ui {

class ColourBar : public QWidget {
  Q_OBJECT
 public:
  explicit ColourBar(const QString& unit, QWidget* parent = nullptr);
  void setRange(double lo, double hi, int decimals = 2);
  QSize sizeHint() const override;  // the bar and its widest label in the current font
  QSize minimumSizeHint() const override { return {sizeHint().width(), 80}; }

 protected:
  void paintEvent(QPaintEvent*) override;

 private:
  QString unit_;
  double lo_ = 0, hi_ = 1;
  int decimals_ = 2;
};

}  // namespace flowpp::ui
