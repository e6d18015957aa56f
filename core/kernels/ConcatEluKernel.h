#pragma once
// concat_elu, elu([x, -x]), one run of positions at a time, with one exponential per input instead
// of one per output: with e = expm1(-|x|), elu(x) = x and elu(-x) = e where x > 0, elu(x) = e and
// elu(-x) = -x elsewhere. Its backward from those outputs: elu'(z) = min(elu(z), 0) + 1.
// Included only by the per-ISA translation units (see KernelTable.h).
#include <ATen/cpu/vec/vec.h>

#include <cmath>

namespace flowpp::kernels {
inline namespace CPU_CAPABILITY {

template <typename T>
void concatEluRun(const T* x, T* pos, T* neg, int64_t n) {
  using V = at::vec::Vectorized<T>;
  int64_t j = 0;
  for (; j + V::size() <= n; j += V::size()) {
    const V v = V::loadu(x + j);
    const V e = (V(0) - v.abs()).expm1();
    const V positive = v > V(0);
    V::blendv(e, v, positive).store(pos + j);
    V::blendv(V(0) - v, e, positive).store(neg + j);
  }
  for (; j < n; ++j) {
    const T e = std::expm1(-std::abs(x[j]));
    pos[j] = x[j] > 0 ? x[j] : e;
    neg[j] = x[j] > 0 ? e : -x[j];
  }
}

// gx = gPos * elu'(x) - gNeg * elu'(-x), from the outputs pos = elu(x) and neg = elu(-x).
template <typename T>
void concatEluGradRun(const T* pos, const T* neg, const T* gPos, const T* gNeg, T* gx, int64_t n) {
  using V = at::vec::Vectorized<T>;
  int64_t j = 0;
  const V one(1), zero(0);
  for (; j + V::size() <= n; j += V::size()) {
    const V dPos = at::vec::minimum(V::loadu(pos + j), zero) + one, dNeg = at::vec::minimum(V::loadu(neg + j), zero) + one;
    (V::loadu(gPos + j) * dPos - V::loadu(gNeg + j) * dNeg).store(gx + j);
  }
  for (; j < n; ++j) gx[j] = gPos[j] * (std::min(pos[j], T(0)) + 1) - gNeg[j] * (std::min(neg[j], T(0)) + 1);
}

}  // namespace CPU_CAPABILITY
}  // namespace flowpp::kernels
