#pragma once
// exp(x) for the attention weights, where it is the innermost cost (N^2 per head, twice per
// training step). Inputs are scores minus their row's maximum or log-sum-exp: at most a rounding
// error above 0, or -inf for padding. In the AVX2 build: Cephes' single-precision expf (range
// reduction by ln 2 in two parts, a degree-6 polynomial), with n = round(x / ln 2) taken by the
// 1.5 * 2^23 shifter so that n sits in the low mantissa bits, ready to become 2^n's exponent. Inputs
// below -87 are taken as -87: exp(-87) = 1.6e-38, still a normal float, and against a row's sum
// of weights (at least 1) as good as 0. NaN stays NaN. Elsewhere, and for double:
// Vectorized<T>::exp.
#include <ATen/cpu/vec/vec.h>

namespace flowpp::kernels {
inline namespace CPU_CAPABILITY {

template <typename T>
inline at::vec::Vectorized<T> fastExp(const at::vec::Vectorized<T>& x) {
  return x.exp();
}

#if defined(CPU_CAPABILITY_AVX2)
template <>
inline at::vec::Vectorized<float> fastExp(const at::vec::Vectorized<float>& v) {
  const __m256 shifter = _mm256_set1_ps(12582912.0f);  // 1.5 * 2^23
  __m256 x = _mm256_max_ps(_mm256_set1_ps(-87.0f), v);  // operand order: NaN in v passes through
  const __m256 t = _mm256_fmadd_ps(x, _mm256_set1_ps(1.44269504088896341f), shifter);
  const __m256 n = _mm256_sub_ps(t, shifter);
  // r = x - n ln 2, with ln 2 split so that the first product is exact.
  x = _mm256_fnmadd_ps(n, _mm256_set1_ps(0.693359375f), x);
  x = _mm256_fnmadd_ps(n, _mm256_set1_ps(-2.12194440e-4f), x);
  __m256 y = _mm256_set1_ps(1.9875691500e-4f);
  y = _mm256_fmadd_ps(y, x, _mm256_set1_ps(1.3981999507e-3f));
  y = _mm256_fmadd_ps(y, x, _mm256_set1_ps(8.3334519073e-3f));
  y = _mm256_fmadd_ps(y, x, _mm256_set1_ps(4.1665795894e-2f));
  y = _mm256_fmadd_ps(y, x, _mm256_set1_ps(1.6666665459e-1f));
  y = _mm256_fmadd_ps(y, x, _mm256_set1_ps(5.0000001201e-1f));
  y = _mm256_fmadd_ps(y, _mm256_mul_ps(x, x), _mm256_add_ps(x, _mm256_set1_ps(1.0f)));
  // t's bits are those of 1.5 * 2^23 plus n; shifted by 23, the shifter's own bits fall off the top.
  const __m256i bits = _mm256_slli_epi32(_mm256_add_epi32(_mm256_castps_si256(t), _mm256_set1_epi32(127)), 23);
  return _mm256_mul_ps(y, _mm256_castsi256_ps(bits));
}
#endif

}  // namespace CPU_CAPABILITY
}  // namespace flowpp::kernels
