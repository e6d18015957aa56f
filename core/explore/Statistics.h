#pragma once
// The small statistics users read beside a picture: a histogram's bins, where a value stands in a
// sample (its percentile), and a quantile (the heatmap's clipping). Torch-free, for the studio's
// panels, which only draw what these return.
#include <vector>

namespace flowpp {

struct Histogram {
  double lo = 0, hi = 0;         // the range the bins cover
  std::vector<int64_t> counts;  // equal-width bins over [lo, hi]; values outside count in the end bins
};

// `bins` equal bins over the values' range widened by `margin` on each side and to include `alsoShow`
// (a value to be marked on the histogram, e.g. one image's bits/dim; NaN: none).
Histogram histogramOf(const std::vector<double>& values, int bins, double margin, double alsoShow);

// Percentage (0..100) of `values` strictly below `x`.
double percentBelow(const std::vector<double>& values, double x);

// The q-quantile (0 <= q <= 1) of `values` by the nearest-rank rule on the sorted values: q = 0 gives
// the smallest, q = 1 the largest. 0 for an empty list.
double quantileOf(std::vector<double> values, double q);

}  // namespace flowpp
