#include "codec/ElementMaps.h"

#include <algorithm>
#include <cmath>

namespace flowpp::codec {

namespace {
constexpr double kScale = 0.9, kShift = 0.05;  // the preprocessing's squeeze into [0.05, 0.95]

double logSigmoid(double z) { return std::min(z, 0.0) - std::log1p(std::exp(-std::abs(z))); }

// log sum exp of n values.
double logSumExp(const double* v, int n) {
  double m = v[0];
  for (int i = 1; i < n; ++i) m = std::max(m, v[i]);
  double s = 0;
  for (int i = 0; i < n; ++i) s += std::exp(v[i] - m);
  return m + std::log(s);
}

struct MixtureTerms {
  double logF, log1mF, logPdf;
};

MixtureTerms mixtureTerms(double x, const Mixture& m) {
  constexpr int kMax = 1024;  // the configs' largest K
  double f[kMax], g[kMax], p[kMax], logits[kMax];
  const int K = std::clamp(m.K, 1, kMax);
  for (int k = 0; k < K; ++k) logits[k] = m.logits[k];
  const double norm = logSumExp(logits, K);
  for (int k = 0; k < K; ++k) {
    const double z = (x - m.means[k]) * std::exp(-m.logScales[k]);
    const double ls = logSigmoid(z), lsNeg = ls - z;  // log sigma(z), log sigma(-z)
    const double logPi = logits[k] - norm;
    f[k] = logPi + ls;
    g[k] = logPi + lsNeg;
    p[k] = logPi + ls + lsNeg - m.logScales[k];
  }
  return {logSumExp(f, K), logSumExp(g, K), logSumExp(p, K)};
}
}  // namespace

MapValue logitForward(double y, double levels) {
  const double s = y * (kScale / levels) + kShift;
  return {std::log(s) - std::log1p(-s), (kScale / levels) / (s * (1 - s))};
}

double logitInverse(double v, double levels) {
  const double s = 1 / (1 + std::exp(-v));
  return (s - kShift) * (levels / kScale);
}

MapValue sigmoidForward(double v) {
  const double u = 1 / (1 + std::exp(-v));
  return {u, std::exp(logSigmoid(v) + logSigmoid(-v))};
}

double sigmoidInverse(double u) { return std::log(u) - std::log1p(-u); }

MapValue affineForward(double x, double logScale, double shift) {
  const double scale = std::exp(logScale);
  return {x * scale + shift, scale};
}

double affineInverse(double y, double logScale, double shift) { return (y - shift) * std::exp(-logScale); }

MapValue mixtureForward(double x, const Mixture& m) {
  const auto t = mixtureTerms(x, m);
  const double ea = std::exp(m.a);
  return {ea * (t.logF - t.log1mF) + m.b, ea * std::exp(t.logPdf - t.logF - t.log1mF)};
}

// logit(F(x)) = target by a safeguarded Newton iteration, bracketed by the components' own
// quantiles mu_k + e^{s_k} target (the root lies between them): a Newton step that leaves the
// bracket or fails to halve the step before last is replaced by the bracket's midpoint.
double mixtureInverse(double y, const Mixture& m) {
  const double target = (y - m.b) * std::exp(-m.a);
  double lo = INFINITY, hi = -INFINITY;
  for (int k = 0; k < m.K; ++k) {
    const double q = m.means[k] + std::exp(m.logScales[k]) * target;
    lo = std::min(lo, q), hi = std::max(hi, q);
  }
  const double pad = 1e-12 * (1 + std::max(std::abs(lo), std::abs(hi)));
  lo -= pad, hi += pad;
  double x = 0.5 * (lo + hi), previous = hi - lo;
  for (int i = 0; i < 200; ++i) {
    const auto t = mixtureTerms(x, m);
    const double g = t.logF - t.log1mF - target;
    if (g > 0) hi = x;
    else lo = x;
    const double newton = x - g / std::exp(t.logPdf - t.logF - t.log1mF);
    const bool useNewton = newton >= lo && newton <= hi && std::isfinite(newton) && std::abs(newton - x) <= 0.5 * std::abs(previous);
    const double next = useNewton ? newton : 0.5 * (lo + hi);
    previous = next - x;
    const double tolerance = 1e-14 * (1 + std::abs(next));
    x = next;
    if (std::abs(previous) <= tolerance || hi - lo <= tolerance) break;
  }
  return x;
}

}  // namespace flowpp::codec
