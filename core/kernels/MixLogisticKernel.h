#pragma once
// The fused logistic-mixture coupling, one row at a time, vectorised across positions with ATen's
// Vectorized<T> (AVX2 + SLEEF where the CPU has it; see MixLogisticKernelAvx2.cpp). Included only
// by the per-ISA translation units, which compile it once per instruction set.
//
// A row is one (image, channel) of the coupling: the input x[p] and the conditioner's raw output
// raw[slot * hw + p] for p < hw, slots [a, b, K logits, K means, K log-scales] (the layout of the
// conv's [B, C*(2+3K), H, W] output viewed as [B, C, 2+3K, H*W], so no permute copy is needed).
//
// Forward (paper eq. 7, with the official stabilisers a = tanh(.), log-scales >= -7):
//   z_k = (x - mu_k) e^{-s_k},  log sigma(z) = min(z,0) - log1p(e^{-|z|}),  log pi_k = l_k - LSE(l)
//   LF = LSE_k(log pi_k + log sigma(z_k))            = log F(x)
//   L1 = LSE_k(log pi_k + log sigma(z_k) - z_k)      = log(1 - F(x)), never as 1 - F
//   Lp = LSE_k(log pi_k + 2 log sigma(z_k) - z_k - s_k) = log F'(x)
//   y = e^a (LF - L1) + b,   log|dy/dx| = Lp - LF - L1 + a
// Every LSE is two passes over k (max, then sum of exp) on small per-thread buffers: no
// [B, C, H, W, K] tensor is ever made.
#include <ATen/cpu/vec/vec.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "kernels/CpuKernels.h"

namespace flowpp::kernels {
inline namespace CPU_CAPABILITY {

using at::vec::Vectorized;

template <typename T>
struct Lanes {
  using V = Vectorized<T>;
  static constexpr int n = V::size();
};

// Loads lanes [p, p + n) of a slot, padding past the row's end with the last position (so padded
// lanes compute something finite and are never stored).
template <typename T>
Vectorized<T> loadLanes(const T* row, int64_t p, int64_t hw) {
  const int64_t n = std::min<int64_t>(Lanes<T>::n, hw - p);
  if (n == Lanes<T>::n) return Vectorized<T>::loadu(row + p);
  T buf[Vectorized<T>::size()];
  for (int i = 0; i < Lanes<T>::n; ++i) buf[i] = row[p + std::min<int64_t>(i, n - 1)];
  return Vectorized<T>::loadu(buf);
}

template <typename T>
void storeLanes(const Vectorized<T>& v, T* row, int64_t p, int64_t hw) {
  v.store(row + p, static_cast<int>(std::min<int64_t>(Lanes<T>::n, hw - p)));
}

// The three log-space mixture quantities at x for one block of lanes, from parameters that already
// sit in the per-thread buffers (logits, means, clamped log-scales; K vectors each).
template <typename T>
struct MixtureTerms {
  Vectorized<T> logF, log1mF, logPdf, logitLse;
};

template <typename T>
struct Block {
  using V = Vectorized<T>;
  int64_t K;
  std::vector<V> logits, means, logScales, aF, a1, ap;
  explicit Block(int64_t k) : K(k), logits(k), means(k), logScales(k), aF(k), a1(k), ap(k) {}

  void load(const T* raw, int64_t p, int64_t hw, T minLogScale) {
    for (int64_t k = 0; k < K; ++k) {
      logits[k] = loadLanes(raw + (2 + k) * hw, p, hw);
      means[k] = loadLanes(raw + (2 + K + k) * hw, p, hw);
      logScales[k] = at::vec::maximum(loadLanes(raw + (2 + 2 * K + k) * hw, p, hw), V(minLogScale));
    }
  }

  static V lse(const std::vector<V>& a) {
    V m = a[0];
    for (size_t k = 1; k < a.size(); ++k) m = at::vec::maximum(m, a[k]);
    V s(0);
    for (const auto& v : a) s = s + (v - m).exp();
    return m + s.log();
  }

  MixtureTerms<T> terms(const V& x) {
    const V zero(0), two(2);
    for (int64_t k = 0; k < K; ++k) {
      const V z = (x - means[k]) * logScales[k].neg().exp();
      const V logSigma = at::vec::minimum(z, zero) - z.abs().neg().exp().log1p();
      aF[k] = logits[k] + logSigma;
      a1[k] = aF[k] - z;
      ap[k] = logits[k] + two * logSigma - z - logScales[k];
    }
    MixtureTerms<T> t;
    t.logitLse = lse(logits);
    t.logF = lse(aF) - t.logitLse;
    t.log1mF = lse(a1) - t.logitLse;
    t.logPdf = lse(ap) - t.logitLse;
    return t;
  }
};

template <typename T>
void forwardRow(const RowIn<T>& in, const RowOut<T>& out) {
  using V = Vectorized<T>;
  Block<T> block(in.K);
  for (int64_t p = 0; p < in.hw; p += Lanes<T>::n) {
    block.load(in.raw, p, in.hw, in.minLogScale);
    const V a = loadLanes(in.raw, p, in.hw).tanh(), b = loadLanes(in.raw + in.hw, p, in.hw);
    const auto t = block.terms(loadLanes(in.x, p, in.hw));
    storeLanes(a.exp() * (t.logF - t.log1mF) + b, out.y, p, in.hw);
    storeLanes(t.logPdf - t.logF - t.log1mF + a, out.logdet, p, in.hw);
    storeLanes(t.logF, out.stats, p, in.hw);
    storeLanes(t.log1mF, out.stats + in.hw, p, in.hw);
    storeLanes(t.logPdf, out.stats + 2 * in.hw, p, in.hw);
    storeLanes(t.logitLse, out.stats + 3 * in.hw, p, in.hw);
  }
}

// Gradients of y and log|dy/dx| with respect to x and every raw slot (see MixLogisticFused.cpp for
// the derivation); the three LSEs come from the forward pass (stats), so one pass over k suffices.
template <typename T>
void backwardRow(const RowIn<T>& in, const RowGrad<T>& g) {
  using V = Vectorized<T>;
  const V zero(0), one(1), two(2), minLogScale(in.minLogScale);
  const int64_t K = in.K, hw = in.hw;
  for (int64_t p = 0; p < hw; p += Lanes<T>::n) {
    const V x = loadLanes(in.x, p, hw);
    const V a = loadLanes(in.raw, p, hw).tanh();
    const V LF = loadLanes(g.stats, p, hw), L1 = loadLanes(g.stats + hw, p, hw);
    const V Lp = loadLanes(g.stats + 2 * hw, p, hw), Ll = loadLanes(g.stats + 3 * hw, p, hw);
    const V gy = loadLanes(g.gradY, p, hw), gl = loadLanes(g.gradLogdet, p, hw);
    const V ea = a.exp();
    const V cF = gy * ea - gl, c1 = zero - gy * ea - gl, cp = gl;
    const V sumC = cF + c1 + cp;
    storeLanes((gy * ea * (LF - L1) + gl) * (one - a * a), g.gradRaw, p, hw);
    storeLanes(gy, g.gradRaw + hw, p, hw);
    V gx(0);
    for (int64_t k = 0; k < K; ++k) {
      const V rawScale = loadLanes(in.raw + (2 + 2 * K + k) * hw, p, hw);
      const V s = at::vec::maximum(rawScale, minLogScale);
      const V invS = s.neg().exp();
      const V z = (x - loadLanes(in.raw + (2 + K + k) * hw, p, hw)) * invS;
      const V e = z.abs().neg().exp();
      const V logSigma = at::vec::minimum(z, zero) - e.log1p();
      const V sigma = V::blendv(e / (one + e), one / (one + e), z >= zero);
      const V logPi = loadLanes(in.raw + (2 + k) * hw, p, hw) - Ll;
      const V wF = (logPi + logSigma - LF).exp();
      const V w1 = (logPi + logSigma - z - L1).exp();
      const V wp = (logPi + two * logSigma - z - s - Lp).exp();
      const V dz = cF * wF * (one - sigma) - c1 * w1 * sigma + cp * wp * (one - two * sigma);
      gx = gx + dz * invS;
      storeLanes(cF * wF + c1 * w1 + cp * wp - logPi.exp() * sumC, g.gradRaw + (2 + k) * hw, p, hw);
      storeLanes(zero - dz * invS, g.gradRaw + (2 + K + k) * hw, p, hw);
      // clamp_min passes the gradient only where the raw log-scale is not below the clamp
      const V gs = zero - dz * z - cp * wp;
      storeLanes(V::blendv(zero, gs, rawScale >= minLogScale), g.gradRaw + (2 + 2 * K + k) * hw, p, hw);
    }
    storeLanes(gx, g.gradX, p, hw);
  }
}

// logit(F(x)) and its slope for the Newton iteration, in linear space: per component one exp and
// one division (F = sum pi_k sigma(z_k), 1 - F = sum pi_k sigma(-z_k) summed directly, never as
// 1 - F, so there is no cancellation). Where F or 1 - F underflows (x far in a tail of every
// component) the block falls back to the exact log-space terms.
template <typename T>
struct LinearMixture {
  using V = Vectorized<T>;
  std::vector<V> pi, means, invScales;

  explicit LinearMixture(int64_t k) : pi(k), means(k), invScales(k) {}

  void from(Block<T>& b) {
    const V norm = Block<T>::lse(b.logits);
    for (int64_t k = 0; k < b.K; ++k) {
      pi[k] = (b.logits[k] - norm).exp();
      means[k] = b.means[k];
      invScales[k] = b.logScales[k].neg().exp();
    }
  }

  // Returns false when the linear sums underflowed for some lane.
  bool logitAndSlope(const V& x, V& logit, V& slope) const {
    const V zero(0), one(1);
    V F(0), G(0), P(0);
    for (size_t k = 0; k < pi.size(); ++k) {
      const V z = (x - means[k]) * invScales[k];
      const V e = z.abs().neg().exp();
      const V r = one / (one + e);
      const V positive = z >= zero;
      const V sz = V::blendv(e * r, r, positive), smz = V::blendv(r, e * r, positive);
      F = F + pi[k] * sz;
      G = G + pi[k] * smz;
      P = P + pi[k] * sz * smz * invScales[k];
    }
    const V tiny(std::numeric_limits<T>::min() * 1e6);
    double flags[Vectorized<double>::size()];
    ((F < tiny) | (G < tiny)).store(flags);
    for (double f : flags)
      if (f != 0) return false;
    logit = F.log() - G.log();
    slope = P / (F * G);
    return true;
  }
};

// Safeguarded Newton on logit(F(x)) = target in float64, per lane, bracketed by the component
// quantiles mu_k + e^{s_k} target (the root lies between them). A Newton step is kept only when it
// stays in the bracket and at least halves the step before last (rtsafe's rule, which rules out the
// 2-cycles of Newton on the S-shaped logit(F) of a multimodal mixture); else the bracket's midpoint.
// Lanes that converge are frozen; the block stops when all have.
template <typename S>
void inverseRow(const InverseRowIn<S>& in, InverseRowOut<S>& out) {
  using V = Vectorized<double>;
  constexpr int n = Lanes<double>::n;
  const int64_t K = in.K, hw = in.hw;
  Block<double> block(K);
  LinearMixture<double> linear(K);
  auto lane = [&](const S* row, int64_t p) {  // n positions of a row, as doubles (padded)
    double v[n];
    for (int i = 0; i < n; ++i) v[i] = double(row[std::min<int64_t>(p + i, hw - 1)]);
    return V::loadu(v);
  };
  for (int64_t p = 0; p < hw; p += n) {
    for (int64_t k = 0; k < K; ++k) {
      block.logits[k] = lane(in.raw + (2 + k) * hw, p);
      block.means[k] = lane(in.raw + (2 + K + k) * hw, p);
      block.logScales[k] = at::vec::maximum(lane(in.raw + (2 + 2 * K + k) * hw, p), V(in.minLogScale));
    }
    linear.from(block);
    const V a = lane(in.raw, p).tanh(), b = lane(in.raw + hw, p);
    const V target = (lane(in.y, p) - b) * a.neg().exp();
    // Bracket and start: the component quantiles and their pi-weighted mean.
    V lo(INFINITY), hi(-INFINITY), x(0);
    for (int64_t k = 0; k < K; ++k) {
      const V q = block.means[k] + block.logScales[k].exp() * target;
      lo = at::vec::minimum(lo, q), hi = at::vec::maximum(hi, q);
      x = x + linear.pi[k] * q;
    }
    const V pad = V(1e-12) * (V(1) + at::vec::maximum(lo.abs(), hi.abs()));
    lo = lo - pad, hi = hi + pad;
    // done is a lane mask (all bits set or clear) used directly in blendv: compared with 0 it would
    // read as NaN, and ATen's AVX-512 `!=` is an ordered comparison (NaN != 0 is false there).
    V previousStep = hi - lo, done(0);
    int iterations = 0;
    bool allDone = false;
    for (iterations = 1; iterations <= in.maxIterations; ++iterations) {
      V logit, slope;
      if (!linear.logitAndSlope(x, logit, slope)) {
        const auto t = block.terms(x);
        logit = t.logF - t.log1mF;
        slope = (t.logPdf - t.logF - t.log1mF).exp();
      }
      const V g = logit - target;
      const V above = g > V(0);
      hi = V::blendv(hi, at::vec::minimum(hi, x), above);
      lo = V::blendv(at::vec::maximum(lo, x), lo, above);
      const V newton = x - g / slope;
      const V useNewton = (newton >= lo) & (newton <= hi) & (newton == newton) &
                          ((newton - x).abs() <= V(0.5) * previousStep.abs());
      const V next = V::blendv(V(0.5) * (lo + hi), newton, useNewton);
      previousStep = V::blendv(next - x, previousStep, done);
      const V scale = V(in.tolerance) * (V(1) + next.abs());
      const V converged = ((next - x).abs() <= scale) | ((hi - lo) <= scale) |
                          (g.abs() <= V(1e-14) * (V(1) + target.abs()));
      done = done | converged;
      x = V::blendv(next, x, done);
      double flags[n];
      done.store(flags);
      const int64_t valid = std::min<int64_t>(n, hw - p);
      allDone = std::all_of(flags, flags + valid, [](double f) { return f != 0; });
      if (allDone) break;
    }
    out.maxIterations = std::max(out.maxIterations, std::min(iterations, in.maxIterations));
    out.allConverged = out.allConverged && allDone;
    const auto t = block.terms(x);  // the log-det at the solution, in exact log space
    const V logdet = (t.logPdf - t.logF - t.log1mF + a).neg();
    double xs[n], ls[n];
    x.store(xs);
    logdet.store(ls);
    for (int i = 0; i < n && p + i < hw; ++i) out.x[p + i] = S(xs[i]), out.logdet[p + i] = S(ls[i]);
  }
}

}  // namespace CPU_CAPABILITY
}  // namespace flowpp::kernels
