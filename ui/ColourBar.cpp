#include "ColourBar.h"

#include <QPainter>

#include "PixelsImage.h"

namespace flowpp::ui {

ColourBar::ColourBar(const QString& unit, QWidget* parent) : QWidget(parent), unit_(unit) {
  setToolTip(tr("Colour scale (%1)").arg(unit));
}

void ColourBar::setRange(double lo, double hi, int decimals) {
  lo_ = lo, hi_ = hi, decimals_ = decimals;
  updateGeometry();  // a longer label needs a wider bar
  update();
}

QSize ColourBar::sizeHint() const {
  const auto& f = fontMetrics();
  int text = f.horizontalAdvance(unit_);
  for (double v : {lo_, hi_}) text = std::max(text, f.horizontalAdvance(QString::number(v, 'f', decimals_)));
  return {2 + 16 + 4 + text + 2, 160};
}

void ColourBar::paintEvent(QPaintEvent*) {
  QPainter p(this);
  const int barWidth = 16, textHeight = fontMetrics().height();
  const QRect bar(2, textHeight / 2, barWidth, height() - textHeight);
  for (int y = 0; y < bar.height(); ++y) {
    p.setPen(colourAt(1.0 - double(y) / std::max(1, bar.height() - 1)));
    p.drawLine(bar.left(), bar.top() + y, bar.right(), bar.top() + y);
  }
  p.setPen(palette().windowText().color());
  const int x = bar.right() + 4;
  p.drawText(x, bar.top() + textHeight / 2, QString::number(hi_, 'f', decimals_));
  p.drawText(x, bar.bottom() + textHeight / 2, QString::number(lo_, 'f', decimals_));
  p.drawText(x, bar.center().y() + textHeight / 3, unit_);
}

}  // namespace flowpp::ui
