#include "data/Pixels.h"

#include <algorithm>
#include <array>
#include <cmath>

namespace flowpp {

void colourAt(double t, uint8_t rgb[3]) {
  // matplotlib's viridis at t = 0, 0.1, ..., 1.
  static const std::array<std::array<double, 3>, 11> anchors = {{{68, 1, 84},    {72, 36, 117},  {65, 68, 135},
                                                                 {53, 95, 141},  {42, 120, 142}, {33, 145, 140},
                                                                 {34, 168, 132}, {68, 191, 112}, {122, 209, 81},
                                                                 {189, 223, 38}, {253, 231, 37}}};
  t = std::clamp(t, 0.0, 1.0) * 10.0;
  const int i = std::min(9, static_cast<int>(t));
  const double f = t - i;
  for (int k = 0; k < 3; ++k)
    rgb[k] = static_cast<uint8_t>(std::lround(anchors[i][k] + f * (anchors[i + 1][k] - anchors[i][k])));
}

Pixels8 colourMap(const std::vector<double>& values, int width, int height, double lo, double hi) {
  Pixels8 out{3, height, width, std::vector<uint8_t>(size_t(width) * height * 3)};
  const double span = hi > lo ? hi - lo : 1e-12;
  for (size_t i = 0; i < size_t(width) * height && i < values.size(); ++i) {
    uint8_t* p = &out.data[i * 3];
    if (std::isnan(values[i])) p[0] = p[1] = p[2] = 128;
    else colourAt((values[i] - lo) / span, p);
  }
  return out;
}

}  // namespace flowpp
