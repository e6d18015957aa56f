#pragma once
// The one place where pictures cross between the core and Qt: Pixels8 <-> QImage, and heatmaps
// through the core's colour map (data/Pixels.h).
#include <QImage>
#include <vector>

#include "data/Pixels.h"

namespace flowpp::ui {

QImage toQImage(const Pixels8& pixels);
Pixels8 toPixels8(const QImage& image);  // grey images stay grey, anything else becomes RGB
QImage heatmapImage(const std::vector<double>& values, int width, int height, double lo, double hi);
QColor colourAt(double t);  // the colour map at t in [0, 1]

}  // namespace flowpp::ui
