#pragma once
// The gated residual out = x + a * sigmoid(b) of a conditioner block, where [a, b] are the gate
// convolution's 2C channels, for channels-last tensors: pixel p holds x's C values at x + p C and
// a's and b's at ab + 2 p C (a first). One pass reads x, a and b and writes out, where ATen's ops
// take four passes and three temporaries; the backward writes both halves of the gradient of ab in
// one pass (six). sigmoid(b) = 1 / (1 + exp(-b)) as ATen computes it: exp(-b) = inf gives 0, a NaN
// stays NaN. Included only by the per-ISA translation units (see KernelTable.h).
#include <ATen/cpu/vec/vec.h>

#include <cmath>

namespace flowpp::kernels {
inline namespace CPU_CAPABILITY {

template <typename T>
inline T scalarSigmoid(T b) {
  return T(1) / (T(1) + std::exp(-b));
}

template <typename V>
inline V vectorSigmoid(const V& b) {
  const V one(1);
  return one / (one + (V(0) - b).exp());
}

template <typename T>
void gatedResidualPixels(const T* x, const T* ab, T* out, int64_t pixels, int64_t c) {
  using V = at::vec::Vectorized<T>;
  for (int64_t p = 0; p < pixels; ++p) {
    const T *xp = x + p * c, *a = ab + 2 * p * c, *b = a + c;
    T* o = out + p * c;
    int64_t j = 0;
    for (; j + V::size() <= c; j += V::size()) {
      const V s = vectorSigmoid(V::loadu(b + j));
      (V::loadu(xp + j) + V::loadu(a + j) * s).store(o + j);
    }
    for (; j < c; ++j) o[j] = xp[j] + a[j] * scalarSigmoid(b[j]);
  }
}

// From the gradient g of out: ga = g sigmoid(b), gb = g a sigmoid(b) (1 - sigmoid(b)), written as
// gab's two halves pixel by pixel. (The gradient of x is g itself.)
template <typename T>
void gatedResidualGradPixels(const T* g, const T* ab, T* gab, int64_t pixels, int64_t c) {
  using V = at::vec::Vectorized<T>;
  const V one(1);
  for (int64_t p = 0; p < pixels; ++p) {
    const T *gp = g + p * c, *a = ab + 2 * p * c, *b = a + c;
    T *ga = gab + 2 * p * c, *gb = ga + c;
    int64_t j = 0;
    for (; j + V::size() <= c; j += V::size()) {
      const V s = vectorSigmoid(V::loadu(b + j));
      const V gs = V::loadu(gp + j) * s;
      gs.store(ga + j);
      (gs * V::loadu(a + j) * (one - s)).store(gb + j);
    }
    for (; j < c; ++j) {
      const T s = scalarSigmoid(b[j]), gs = gp[j] * s;
      ga[j] = gs;
      gb[j] = gs * a[j] * (1 - s);
    }
  }
}

}  // namespace CPU_CAPABILITY
}  // namespace flowpp::kernels
