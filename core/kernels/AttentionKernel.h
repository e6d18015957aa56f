#pragma once
// Scaled dot-product attention for one (batch, head): softmax(q k^T * scale) v, vectorised with
// ATen's Vectorized<T> across the keys. K and V are transposed once per head ([d][N], zero-padded),
// so every step — the scores, the softmax, the weighted sum of values, and in backward dP, dQ and
// the dK/dV updates (kept transposed too) — is a run of fused multiply-adds along the keys. Queries
// go four at a time: each key vector loaded serves four rows, and the dK/dV updates are written
// once per four rows. The rows' weights live in O(N) buffers and are gone once the rows are done;
// only each row's log-sum-exp is kept, and backward recomputes the weights from it. So no N x N
// tensor exists. Included only by the per-ISA translation units (see KernelTable.h).
#include <ATen/cpu/vec/vec.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <numeric>
#include <vector>

#include "kernels/CpuKernels.h"
#include "kernels/FastExp.h"

namespace flowpp::kernels {
inline namespace CPU_CAPABILITY {

using at::vec::Vectorized;

constexpr int kRows = 4;  // queries processed together
// Two key vectors (or two channels) per step: with kRows rows that makes eight independent
// multiply-add chains, enough to hide the FMA latency (four cycles, two units) on current x86.
constexpr int kCols = 2;

template <typename T>
T horizontalSum(const Vectorized<T>& v) {
  T lanes[Vectorized<T>::size()];
  v.store(lanes);
  return std::accumulate(lanes, lanes + Vectorized<T>::size(), T(0));
}

// row[j] = exp(row[j] - shift) for j < n; returns their sum. One vector a step: the exp's constants
// fill the registers, and a second stream would spill the running sum to the stack.
template <typename T>
T expShiftSum(T* row, int64_t n, T shift) {
  using V = Vectorized<T>;
  V sum(0);
  const V s(shift);
  int64_t j = 0;
  for (; j + V::size() <= n; j += V::size()) {
    const V e = fastExp(V::loadu(row + j) - s);
    e.store(row + j);
    sum = sum + e;
  }
  T total = horizontalSum(sum);
  for (; j < n; ++j) total += row[j] = std::exp(row[j] - shift);
  return total;
}

template <typename T>
struct HeadBuffers {
  using V = Vectorized<T>;
  static constexpr int L = V::size();
  int64_t n, d, nPad;
  std::vector<T> kT, vT;                  // [d][nPad], transposed and zero-padded
  std::vector<T> weights, other, rows;    // [kRows][nPad], [kRows][nPad], [kRows][d]

  HeadBuffers(const T* k, const T* v, int64_t n_, int64_t d_)
      : n(n_), d(d_), nPad((n_ + kCols * L - 1) / (kCols * L) * (kCols * L)), kT(d_ * nPad, T(0)),
        vT(d_ * nPad, T(0)), weights(kRows * nPad), other(kRows * nPad), rows(kRows * d_) {
    for (int64_t j = 0; j < n; ++j)
      for (int64_t c = 0; c < d; ++c) kT[c * nPad + j] = k[j * d + c], vT[c * nPad + j] = v[j * d + c];
  }

  T* weightRow(int t) { return &weights[t * nPad]; }
  T* otherRow(int t) { return &other[t * nPad]; }
  T* row(int t) { return &rows[t * d]; }

  // out_t[j] = sum_c x_t[c] * mT[c][j] for the kRows rows x_t (rows of `x`, stride d), two key
  // vectors at a time.
  void scores(const T* x, const std::vector<T>& mT, std::vector<T>& out) const {
    for (int64_t j = 0; j < nPad; j += kCols * L) {
      std::array<V, kRows> acc0, acc1;
      acc0.fill(V(0)), acc1.fill(V(0));
      for (int64_t c = 0; c < d; ++c) {
        const V m0 = V::loadu(&mT[c * nPad + j]), m1 = V::loadu(&mT[c * nPad + j + L]);
        for (int t = 0; t < kRows; ++t) {
          const V xt(x[t * d + c]);
          acc0[t] = at::vec::fmadd(xt, m0, acc0[t]);
          acc1[t] = at::vec::fmadd(xt, m1, acc1[t]);
        }
      }
      for (int t = 0; t < kRows; ++t) acc0[t].store(&out[t * nPad + j]), acc1[t].store(&out[t * nPad + j + L]);
    }
  }

  // result[i][t] = sum_j w_t[j] * mT[c + i][j] for each of the kRows weight rows and the
  // channels c and c + 1 (c + 1 only when `two`): each weight vector loaded serves both channels.
  void weightedSums(const std::vector<T>& w, const std::vector<T>& mT, int64_t c, bool two,
                    std::array<std::array<T, kRows>, kCols>& result) const {
    std::array<V, kRows> acc0, acc1;
    acc0.fill(V(0)), acc1.fill(V(0));
    const T* m0 = &mT[c * nPad];
    const T* m1 = &mT[(two ? c + 1 : c) * nPad];
    for (int64_t j = 0; j < nPad; j += L) {
      const V a = V::loadu(m0 + j), b = V::loadu(m1 + j);
      for (int t = 0; t < kRows; ++t) {
        const V wt = V::loadu(&w[t * nPad + j]);
        acc0[t] = at::vec::fmadd(wt, a, acc0[t]);
        acc1[t] = at::vec::fmadd(wt, b, acc1[t]);
      }
    }
    for (int t = 0; t < kRows; ++t) result[0][t] = horizontalSum(acc0[t]), result[1][t] = horizontalSum(acc1[t]);
  }

  // put(t, c, sum_j w_t[j] * mT[c][j]) for every channel c of the first `count` rows, two channels a pass.
  template <typename Put>
  void channelSums(const std::vector<T>& w, const std::vector<T>& mT, int count, Put&& put) const {
    std::array<std::array<T, kRows>, kCols> sums{};
    for (int64_t c = 0; c < d; c += kCols) {
      const bool two = c + 1 < d;
      weightedSums(w, mT, c, two, sums);
      for (int t = 0; t < count; ++t) {
        put(t, c, sums[0][t]);
        if (two) put(t, c + 1, sums[1][t]);
      }
    }
  }

  // Padded keys score -inf, so they weigh exp(-inf) = 0 (1.6e-38 with the float fastExp, against a
  // row sum of at least 1), and their zero-padded values and keys add nothing to the products.
  void maskPadding(T* scoresRow) const { std::fill(scoresRow + n, scoresRow + nPad, -std::numeric_limits<T>::infinity()); }

  T maxOf(const T* scoresRow) const {  // vectorised: a scalar running max stalls on its own chain
    V m0 = V::loadu(scoresRow), m1 = V::loadu(scoresRow + L);
    for (int64_t j = kCols * L; j < nPad; j += kCols * L)
      m0 = at::vec::maximum(m0, V::loadu(scoresRow + j)), m1 = at::vec::maximum(m1, V::loadu(scoresRow + j + L));
    T lanes[L];
    at::vec::maximum(m0, m1).store(lanes);
    return *std::max_element(lanes, lanes + L);
  }

  T exponentiate(T* row, T shift) const { return expShiftSum(row, nPad, shift); }

  // The scaled queries i0.. of a block (zero rows past the end).
  int loadRows(const T* q, int64_t i0, T scale) {
    const int count = static_cast<int>(std::min<int64_t>(kRows, n - i0));
    std::fill(rows.begin(), rows.end(), T(0));
    for (int t = 0; t < count; ++t)
      for (int64_t c = 0; c < d; ++c) rows[t * d + c] = q[(i0 + t) * d + c] * scale;
    return count;
  }
};

template <typename T>
void attentionForwardHead(const AttentionHead<T>& h, T* out, T* lse) {
  HeadBuffers<T> b(h.k, h.v, h.n, h.d);
  std::array<T, kRows> l{};
  for (int64_t i0 = 0; i0 < h.n; i0 += kRows) {
    const int count = b.loadRows(h.q, i0, h.scale);
    b.scores(b.rows.data(), b.kT, b.weights);
    for (int t = 0; t < kRows; ++t) {
      b.maskPadding(b.weightRow(t));
      const T m = b.maxOf(b.weightRow(t));
      l[t] = b.exponentiate(b.weightRow(t), m);
      if (t < count) lse[i0 + t] = m + std::log(l[t]);
    }
    b.channelSums(b.weights, b.vT, count, [&](int t, int64_t c, T sum) { out[(i0 + t) * h.d + c] = sum / l[t]; });
  }
}

// dS = P * (dP - D) with D_i = dO_i . O_i; dQ = scale dS K, dK = scale dS^T Q, dV = P^T dO.
template <typename T>
void attentionBackwardHead(const AttentionHead<T>& h, const T* out, const T* lse, const T* gradOut, T* gq, T* gk, T* gv) {
  using V = Vectorized<T>;
  HeadBuffers<T> b(h.k, h.v, h.n, h.d);
  const int64_t nPad = b.nPad, d = h.d;
  std::vector<T> gkT(d * nPad, T(0)), gvT(d * nPad, T(0)), go(kRows * d);
  for (int64_t i0 = 0; i0 < h.n; i0 += kRows) {
    const int count = b.loadRows(h.q, i0, h.scale);
    std::fill(go.begin(), go.end(), T(0));
    for (int t = 0; t < count; ++t) std::copy(gradOut + (i0 + t) * d, gradOut + (i0 + t + 1) * d, &go[t * d]);
    b.scores(b.rows.data(), b.kT, b.weights);
    b.scores(go.data(), b.vT, b.other);  // dP_ij = dO_i . v_j
    for (int t = 0; t < kRows; ++t) {
      b.maskPadding(b.weightRow(t));
      T rowDot = 0;
      for (int64_t c = 0; t < count && c < d; ++c) rowDot += go[t * d + c] * out[(i0 + t) * d + c];
      b.exponentiate(b.weightRow(t), t < count ? lse[i0 + t] : T(0));  // the normalised weights P_ij
      T* w = b.weightRow(t);
      T* ds = b.otherRow(t);
      if (t >= count) std::fill(w, w + nPad, T(0));  // rows past the end contribute nothing
      for (int64_t j = 0; j < nPad; j += V::size()) (V::loadu(w + j) * (V::loadu(ds + j) - V(rowDot))).store(ds + j);
    }
    b.channelSums(b.other, b.kT, count, [&](int t, int64_t c, T sum) { gq[(i0 + t) * d + c] = h.scale * sum; });
    // dV and dK (kept transposed): per channel, each row's weights and dS scaled and added.
    for (int64_t c = 0; c < d; ++c) {
      std::array<V, kRows> goc, qc;
      for (int t = 0; t < kRows; ++t) goc[t] = V(go[t * d + c]), qc[t] = V(b.rows[t * d + c]);
      T* gvRow = &gvT[c * nPad];
      T* gkRow = &gkT[c * nPad];
      for (int64_t j = 0; j < nPad; j += V::size()) {
        V accV = V::loadu(gvRow + j), accK = V::loadu(gkRow + j);
        for (int t = 0; t < kRows; ++t) {
          accV = at::vec::fmadd(goc[t], V::loadu(b.weightRow(t) + j), accV);
          accK = at::vec::fmadd(qc[t], V::loadu(b.otherRow(t) + j), accK);
        }
        accV.store(gvRow + j), accK.store(gkRow + j);
      }
    }
  }
  for (int64_t j = 0; j < h.n; ++j)
    for (int64_t c = 0; c < d; ++c) gk[j * d + c] = gkT[c * nPad + j], gv[j * d + c] = gvT[c * nPad + j];
}

}  // namespace CPU_CAPABILITY
}  // namespace flowpp::kernels
