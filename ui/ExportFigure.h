#pragma once
// Exported pictures that still make sense on their own: the picture magnified without smoothing,
// its colour bar (values and unit) where colours stand for numbers, and a caption saying what it is.
#include <QImage>
#include <QString>

namespace flowpp::ui {

struct ColourScale {
  double lo = 0, hi = 1;
  QString unit;
  int decimals = 2;
};

// `picture` scaled by `magnify` (nearest pixel), the colour bar at its right when `scale` is given,
// and `caption` word-wrapped under both, on white.
QImage exportFigure(const QImage& picture, const QString& caption, int magnify = 1, const ColourScale* scale = nullptr);

}  // namespace flowpp::ui
