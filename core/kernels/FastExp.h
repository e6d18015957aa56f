#pragma once
// exp(x) for the attention weights, where it is the innermost cost (N^2 per head, twice per
// training step). In the AVX2 build: Cephes' single-precision expf (range reduction by ln 2 in two
// parts, a degree-6 polynomial, the exponent put in directly), a few times cheaper than SLEEF's
// 1-ulp exp with the same float accuracy; inputs below -87 give exactly 0 (exp(-inf) included).
// Elsewhere, and for double: Vectorized<T>::exp.
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
  const __m256 x0 = v;
  const __m256 underflow = _mm256_cmp_ps(x0, _mm256_set1_ps(-87.0f), _CMP_LT_OQ);
  __m256 x = _mm256_min_ps(_mm256_max_ps(x0, _mm256_set1_ps(-87.0f)), _mm256_set1_ps(88.3762626647949f));
  // n = round(x / ln 2); r = x - n ln 2, with ln 2 split so the product is exact.
  const __m256 n = _mm256_floor_ps(_mm256_fmadd_ps(x, _mm256_set1_ps(1.44269504088896341f), _mm256_set1_ps(0.5f)));
  x = _mm256_fnmadd_ps(n, _mm256_set1_ps(0.693359375f), x);
  x = _mm256_fnmadd_ps(n, _mm256_set1_ps(-2.12194440e-4f), x);
  __m256 y = _mm256_set1_ps(1.9875691500e-4f);
  y = _mm256_fmadd_ps(y, x, _mm256_set1_ps(1.3981999507e-3f));
  y = _mm256_fmadd_ps(y, x, _mm256_set1_ps(8.3334519073e-3f));
  y = _mm256_fmadd_ps(y, x, _mm256_set1_ps(4.1665795894e-2f));
  y = _mm256_fmadd_ps(y, x, _mm256_set1_ps(1.6666665459e-1f));
  y = _mm256_fmadd_ps(y, x, _mm256_set1_ps(5.0000001201e-1f));
  y = _mm256_fmadd_ps(y, _mm256_mul_ps(x, x), _mm256_add_ps(x, _mm256_set1_ps(1.0f)));
  const __m256i bits = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvttps_epi32(n), _mm256_set1_epi32(127)), 23);
  y = _mm256_mul_ps(y, _mm256_castsi256_ps(bits));
  return _mm256_andnot_ps(underflow, y);
}
#endif

}  // namespace CPU_CAPABILITY
}  // namespace flowpp::kernels
