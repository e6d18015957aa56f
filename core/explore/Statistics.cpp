#include "explore/Statistics.h"

#include <algorithm>
#include <cmath>

namespace flowpp {

Histogram histogramOf(const std::vector<double>& values, int bins, double margin, double alsoShow) {
  Histogram h;
  h.counts.assign(size_t(std::max(1, bins)), 0);
  if (values.empty()) return h;
  const auto [lo, hi] = std::minmax_element(values.begin(), values.end());
  const bool mark = !std::isnan(alsoShow);
  h.lo = std::min(*lo, mark ? alsoShow : *lo) - margin;
  h.hi = std::max(*hi, mark ? alsoShow : *hi) + margin;
  const double width = h.hi > h.lo ? h.hi - h.lo : 1.0;
  const int last = int(h.counts.size()) - 1;
  for (double v : values) ++h.counts[size_t(std::clamp(int(std::floor((v - h.lo) / width * (last + 1))), 0, last))];
  return h;
}

double percentBelow(const std::vector<double>& values, double x) {
  if (values.empty()) return 0;
  return 100.0 * double(std::count_if(values.begin(), values.end(), [&](double v) { return v < x; })) / double(values.size());
}

double quantileOf(std::vector<double> values, double q) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const double rank = std::clamp(q, 0.0, 1.0) * double(values.size() - 1);
  return values[size_t(std::lround(rank))];
}

}  // namespace flowpp
