#include "codec/GaussianCode.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <stdexcept>
#include <vector>

namespace flowpp::codec {

namespace {
// The coarse cells: 2^8 to 2^9 per standard deviation (the density varies by under 1.2% across a
// cell within 3 standard deviations, so the flat fine bits cost nothing measurable), over mean +- 6
// standard deviations (outside: 2e-9 of the mass, coded after the escape). The cells beyond 4.7
// standard deviations hold less than one count each and are raised to one: 1e-4 of the counts.
constexpr int kCoarsePerStd = 8;
constexpr double kWindowStds = 6;
constexpr int kRawChunk = 16;  // raw bits go in chunks of up to 16

// Means are clamped to 2^29 and widths to 2^26: a window's values then stay within 2^62 grid
// steps, and an escape adds at most 2^61.
constexpr double kGridLimit = 536870912.0, kWidthLimit = 67108864.0;

int64_t floorDiv(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

// Phi(t) by linear interpolation in a table of erfc values 2^-10 apart on [-8, 8]: deterministic,
// monotone, within 3e-8 of Phi (half a count of 2^24), and ten times faster than erfc, which every
// symbol needs several of.
double phi(double t) {
  constexpr int kPerUnit = 1024, kHalf = 8 * kPerUnit;
  static const std::vector<double> table = [] {
    std::vector<double> v(2 * kHalf + 2);
    for (int j = 0; j <= 2 * kHalf + 1; ++j) v[size_t(j)] = 0.5 * std::erfc(-(double(j - kHalf) / kPerUnit) * M_SQRT1_2);
    return v;
  }();
  if (!(t > -8.0)) return table.front();
  if (t >= 8.0) return table[2 * kHalf];
  const double at = (t + 8.0) * kPerUnit;
  const int j = int(at);
  const double frac = at - j;
  return table[size_t(j)] + frac * (table[size_t(j) + 1] - table[size_t(j)]);
}

// Phi^-1(p) to about 1e-9 (Acklam's rational approximation): only a first guess for the search
// below, which then checks the exact CDF, so its last digits never decide a symbol.
double phiInverse(double p) {
  static const double a[] = {-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02, 1.383577518672690e+02, -3.066479806614716e+01, 2.506628277459239e+00};
  static const double b[] = {-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02, 6.680131188771972e+01, -1.328068155288572e+01};
  static const double c[] = {-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00, -2.549732539343734e+00, 4.374664141464968e+00, 2.938163982698783e+00};
  static const double d[] = {7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00, 3.754408661907416e+00};
  p = std::clamp(p, 1e-300, 1 - 1e-16);
  if (p < 0.02425) {
    const double q = std::sqrt(-2 * std::log(p));
    return (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  }
  if (p > 1 - 0.02425) return -phiInverse(1 - p);
  const double q = p - 0.5, r = q * q;
  return (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q /
         (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
}

uint64_t mix64(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

uint64_t bitsOf(double v) {
  uint64_t u;
  std::memcpy(&u, &v, sizeof u);
  return u;
}

// The coarse window of a Gaussian and its symbols on the ANS slots.
//
// Symbols 0 .. cells - 1 are the window's cells, symbol `cells` the escape. Their cumulative counts
// C(0) = 0 < C(1) < ... < C(cells) = kTotal - 1 < C(cells + 1) = kTotal give each cell its share
// of the Gaussian's mass (at least one count) and the escape one count. They are laid out on the
// slots rotated by C(b) for a boundary b drawn from the Gaussian's own bits. Why: in local bits-back
// coding a pop reads the slot the previous push left on top; unrotated, a value pushed in the tail
// (slot near 0) makes the next pop draw from the tail too, and so on through every element after
// it (measured: +8 bits per element once it starts). Rotated, each pop reads an unrelated place in
// its own distribution, as it would read fresh random bits.
struct Window {
  int m = 0;               // coarse cells are 2^m grid steps
  int64_t cellLo = 0;      // first coarse cell of the window
  int64_t cells = 1;       // number of coarse cells in it
  double base = 0, span = 1;  // Phi at the window's lower edge, and Phi(upper) - Phi(lower)
  uint32_t rotation = 0;   // C(b)
  bool escape = true;      // false for a bounded Gaussian: its window covers every value it allows
  Gaussian g;              // the Gaussian as coded: finite, at least a grid step wide

  // A Gaussian narrower than the grid (a map so flat that its slope underflows) or without a finite
  // mean (its inverse overflowed) is still a valid code on both sides: a grid step wide, at 0.
  explicit Window(const Gaussian& gaussian) : g(gaussian) {
    if (!std::isfinite(g.mean)) g.mean = 0;
    g.mean = std::clamp(g.mean, -kGridLimit, kGridLimit);
    if (!(g.std >= kGridStep)) g.std = kGridStep;  // also NaN
    g.std = std::min(g.std, kWidthLimit);
    const double stdSteps = g.std / kGridStep;
    m = std::clamp(int(std::floor(std::log2(stdSteps))) - kCoarsePerStd, 0, 60);
    const double cellWidth = std::ldexp(kGridStep, m);
    double lo = std::floor((g.mean - kWindowStds * g.std) / cellWidth);
    double hi = std::floor((g.mean + kWindowStds * g.std) / cellWidth);
    if (g.lo) lo = std::max(lo, double(floorDiv(*g.lo, int64_t(1) << m)));
    if (g.hi) hi = std::min(hi, double(floorDiv(*g.hi, int64_t(1) << m)));
    if (!(std::abs(lo) < 4e18 && std::abs(hi) < 4e18)) throw std::invalid_argument("a coding Gaussian far outside the grid");
    cellLo = int64_t(lo);
    cells = std::max<int64_t>(1, int64_t(hi) - cellLo + 1);
    base = phi((double(cellLo) * cellWidth - g.mean) / g.std);
    span = phi((double(cellLo + cells) * cellWidth - g.mean) / g.std) - base;
    if (!(span > 0)) span = 0;  // a window in the far tail: every cell gets its one count
    escape = !g.lo && !g.hi;
    rotation = cumulative(int64_t(mix64(bitsOf(g.mean) ^ mix64(bitsOf(g.std))) % uint64_t(escape ? cells + 1 : cells)));
  }

  // Counts for the cells: all of kTotal, less the escape's one.
  uint32_t cellTotal() const { return escape ? AnsStack::kTotal - 1 : AnsStack::kTotal; }

  uint32_t cumulative(int64_t s) const {
    if (s <= 0) return 0;
    if (s > cells) return AnsStack::kTotal;
    if (s == cells) return cellTotal();
    const double cellWidth = std::ldexp(kGridStep, m);
    const double share = span > 0 ? (phi((double(cellLo + s) * cellWidth - g.mean) / g.std) - base) / span : 0.0;
    const double spare = double(cellTotal() - uint32_t(cells));  // counts left once every cell has one
    return uint32_t(std::floor(std::clamp(share, 0.0, 1.0) * spare)) + uint32_t(s);
  }

  // Symbol s as an ANS interval.
  uint32_t start(int64_t s) const {
    const uint32_t c = cumulative(s);
    return c >= rotation ? c - rotation : c + (AnsStack::kTotal - rotation);
  }
  uint32_t frequency(int64_t s) const { return cumulative(s + 1) - cumulative(s); }

  // The symbol whose interval holds `slot`: a guess from Phi^-1, then steps on the exact counts.
  int64_t symbolOf(uint32_t slot) const {
    const uint32_t q = uint32_t((uint64_t(slot) + rotation) % AnsStack::kTotal);  // back to C's scale
    if (q >= cellTotal()) return cells;  // the escape
    int64_t s = 0;
    if (span > 0) {
      const double share = double(q) / double(cellTotal());
      const double t = phiInverse(base + share * span);
      const double cell = std::floor((g.mean + t * g.std) / std::ldexp(kGridStep, m)) - double(cellLo);
      s = std::isfinite(cell) ? int64_t(std::clamp(cell, 0.0, double(cells - 1))) : 0;
    }
    while (s > 0 && cumulative(s) > q) --s;
    while (s < cells - 1 && cumulative(s + 1) <= q) ++s;
    return s;
  }
};

void pushFine(AnsStack& s, uint64_t fine, int m) {
  for (int done = 0; done < m; done += kRawChunk) {
    const int width = std::min(kRawChunk, m - done);
    s.pushBits(uint32_t((fine >> done) & ((1u << width) - 1)), width);
  }
}

uint64_t popFine(AnsStack& s, int m) {
  std::vector<int> widths;
  for (int done = 0; done < m; done += kRawChunk) widths.push_back(done);
  uint64_t fine = 0;
  for (auto it = widths.rbegin(); it != widths.rend(); ++it) fine |= uint64_t(s.popBits(std::min(kRawChunk, m - *it))) << *it;
  return fine;
}

// A value outside the window: a side bit, and its distance d >= 0 from the window's edge in coarse
// cells as d + 1 in Elias gamma form (its bit length L in unary, at most 61 - m, then the L - 1 bits
// below its leading one); then the escape symbol. Every bit string decodes to a value outside the
// window and inside the grid's 2^61 steps, as bits-back's pops need (the encoder pops whatever the
// stack holds), and random bits decode to a distance of a few cells: a rare escaped pop moves a value
// just past its window, never across the grid. A pushed value d cells out costs 26 + 2 log2(d + 1)
// bits, and 2e-9 of a Gaussian's mass lies outside its window.
constexpr int kValueBits = 61;  // coded values: |k| < 2^61 grid steps, |v| < 2^29

int maxLength(const Window& w) { return kValueBits - w.m; }

void pushEscape(AnsStack& s, __int128 i, const Window& w) {
  if (!w.escape) throw std::logic_error("a value outside a bounded Gaussian's window");
  const bool below = i < 0;
  const __int128 d1 = (below ? -(i + 1) : i - w.cells) + 1;
  const int longest = maxLength(w);
  if (d1 >= (__int128(1) << longest)) throw std::range_error("a value beyond the lossless coder's range (2^29)");
  const int length = 64 - __builtin_clzll(uint64_t(d1));
  for (int done = 0; done < length - 1; done += kRawChunk) {
    const int chunk = std::min(kRawChunk, length - 1 - done);
    s.pushBits(uint32_t((uint64_t(d1) >> done) & ((1u << chunk) - 1)), chunk);
  }
  if (length < longest) s.pushBits(0, 1);             // the unary length's end
  for (int l = 1; l < length; ++l) s.pushBits(1, 1);  // ... and its ones
  s.pushBits(below ? 1 : 0, 1);
  s.push(w.start(w.cells), 1);
}

__int128 popEscape(AnsStack& s, const Window& w) {
  s.pop(w.start(w.cells), 1);
  const bool below = s.popBits(1) == 1;
  const int longest = maxLength(w);
  int length = 1;
  while (length < longest && s.popBits(1) == 1) ++length;
  std::vector<int> starts;
  for (int done = 0; done < length - 1; done += kRawChunk) starts.push_back(done);
  uint64_t d1 = uint64_t(1) << (length - 1);
  for (auto it = starts.rbegin(); it != starts.rend(); ++it) d1 |= uint64_t(s.popBits(std::min(kRawChunk, length - 1 - *it))) << *it;
  const __int128 d = __int128(d1) - 1;
  return below ? -d - 1 : d + w.cells;
}

double escapeBits(const Window& w, __int128 i) {
  const uint64_t d1 = uint64_t((i < 0 ? -(i + 1) : i - w.cells) + 1);
  const int length = 64 - __builtin_clzll(d1);
  return double(AnsStack::kPrecision + 1 + length + (length < maxLength(w) ? 1 : 0) - 1 + length - 1);
}
}  // namespace

void pushGaussian(AnsStack& s, int64_t k, const Gaussian& g) {
  const Window w(g);
  const int64_t cell = floorDiv(k, int64_t(1) << w.m);
  if (w.m > 0) pushFine(s, uint64_t(k - cell * (int64_t(1) << w.m)), w.m);
  const __int128 i = __int128(cell) - w.cellLo;
  if (i >= 0 && i < w.cells) {
    s.push(w.start(int64_t(i)), w.frequency(int64_t(i)));
    return;
  }
  pushEscape(s, i, w);
}

int64_t popGaussian(AnsStack& s, const Gaussian& g) {
  const Window w(g);
  const int64_t symbol = w.symbolOf(s.peek());
  __int128 i = symbol;
  if (symbol == w.cells) {
    i = popEscape(s, w);
  } else {
    s.pop(w.start(symbol), w.frequency(symbol));
  }
  const __int128 cell = __int128(w.cellLo) + i;
  const __int128 value = cell * (__int128(1) << w.m) + (w.m > 0 ? __int128(popFine(s, w.m)) : 0);
  return int64_t(value);  // within 2^62 of 0 by the escape's width
}

double gaussianCodeBits(int64_t k, const Gaussian& g) {
  const Window w(g);
  const __int128 i = __int128(floorDiv(k, int64_t(1) << w.m)) - w.cellLo;
  if (i < 0 || i >= w.cells) return w.escape ? double(w.m) + escapeBits(w, i) : INFINITY;
  return double(w.m) + AnsStack::kPrecision - std::log2(double(w.frequency(int64_t(i))));
}

}  // namespace flowpp::codec
