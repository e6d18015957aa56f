#pragma once
// Values on a fine grid (k * 2^-32, k a 64-bit integer) coded on an AnsStack with the probability a
// Gaussian gives their grid cell: what every local bits-back step pops and pushes.
//
// A Gaussian spans far more cells than a 24-bit probability can name one by one (an N(0, 1) covers
// 2^34 of them), so a value is coded in two parts: its coarse cell, 2^m grid steps wide with m chosen
// so that 2^8 to 2^9 coarse cells fall within one standard deviation, with the Gaussian's integer CDF
// over the cells within 6 standard deviations (every cell at least one count, so nothing is
// impossible); then its place within the coarse cell, m raw bits (the density is nearly flat
// there). An unbounded Gaussian also has an escape symbol for values outside its window, coded in
// full after it. Both parts are exact: decoding a value gives back the encoder's k whatever the
// Gaussian (a NaN mean or a zero width included), and any bits decode to some value (what bits-back's
// pops need); the Gaussian only decides the cost. Values are limited to |k| < 2^61 (|v| < 2^29).
#include <cstdint>
#include <optional>

#include "codec/AnsStack.h"

namespace flowpp::codec {

constexpr int kGridBits = 32;                    // the grid: k * 2^-32
constexpr double kGridStep = 1.0 / 4294967296.0;  // 2^-32

inline double gridValue(int64_t k) { return double(k) * kGridStep; }

struct Gaussian {
  double mean = 0, std = 1;
  // Optional bounds on k (inclusive): values outside cannot occur (e.g. u in (0, 1)); the window is
  // clipped to them, and a bounded Gaussian has no escape.
  std::optional<int64_t> lo, hi;
};

// Pushes k. The pair undoes each other exactly: popGaussian(s, g) after pushGaussian(s, k, g) gives
// k and leaves s as it was.
void pushGaussian(AnsStack& stack, int64_t k, const Gaussian& g);
int64_t popGaussian(AnsStack& stack, const Gaussian& g);

// -log2 of the probability pushGaussian codes k with (for the coded-length checks).
double gaussianCodeBits(int64_t k, const Gaussian& g);

}  // namespace flowpp::codec
