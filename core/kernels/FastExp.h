#pragma once
// exp(x) for the attention weights, where it is the innermost cost (N^2 per head, twice per
// training step). Inputs are scores minus their row's maximum or log-sum-exp: at most a rounding
// error above 0, or -inf for padding. In the AVX2 and AVX-512 builds: Cephes' single-precision expf
// (range reduction by ln 2 in two parts, a degree-6 polynomial), with n = round(x / ln 2) taken by
// the 1.5 * 2^23 shifter so that n sits in the low mantissa bits, ready to become 2^n's exponent.
// The input is clamped to [-87, 127 ln 2] first, because 2^n is built from n's bits: below -87 the
// result is exp(-87) = 1.6e-38 (still a normal float; against a row's sum of weights, at least 1,
// as good as 0), above 127 ln 2 = 88.03 it is 2^127 = 1.7e38 (finite; n = 128 would make the
// exponent field all ones). NaN stays NaN. Elsewhere, and for double: Vectorized<T>::exp.
#include <ATen/cpu/vec/vec.h>

namespace flowpp::kernels {
inline namespace CPU_CAPABILITY {

constexpr float kFastExpLow = -87.0f;
constexpr float kFastExpHigh = 88.0296919311f;  // 127 ln 2

template <typename T>
inline at::vec::Vectorized<T> fastExp(const at::vec::Vectorized<T>& x) {
  return x.exp();
}

// The same Cephes steps for any register width: V is __m256 or __m512, `ops` supplies the few
// intrinsics that differ by width.
#define FLOWPP_CEPHES_EXPF(PS, SI, SET1PS, SET1EPI32, MAX, MIN, FMADD, FNMADD, MUL, ADD, SUB, ADDEPI, SLLI, CASTPS, CASTSI) \
  const PS shifter = SET1PS(12582912.0f); /* 1.5 * 2^23 */                                                         \
  /* operand order: a NaN in v passes through both clamps */                                                      \
  PS x = MIN(SET1PS(kFastExpHigh), MAX(SET1PS(kFastExpLow), v));                                                   \
  const PS t = FMADD(x, SET1PS(1.44269504088896341f), shifter);                                                    \
  const PS n = SUB(t, shifter);                                                                                    \
  /* r = x - n ln 2, with ln 2 split so that the first product is exact */                                         \
  x = FNMADD(n, SET1PS(0.693359375f), x);                                                                          \
  x = FNMADD(n, SET1PS(-2.12194440e-4f), x);                                                                       \
  PS y = SET1PS(1.9875691500e-4f);                                                                                 \
  y = FMADD(y, x, SET1PS(1.3981999507e-3f));                                                                       \
  y = FMADD(y, x, SET1PS(8.3334519073e-3f));                                                                       \
  y = FMADD(y, x, SET1PS(4.1665795894e-2f));                                                                       \
  y = FMADD(y, x, SET1PS(1.6666665459e-1f));                                                                       \
  y = FMADD(y, x, SET1PS(5.0000001201e-1f));                                                                       \
  y = FMADD(y, MUL(x, x), ADD(x, SET1PS(1.0f)));                                                                   \
  /* t's bits are those of 1.5 * 2^23 plus n; shifted by 23, the shifter's own bits fall off the top */            \
  const SI bits = SLLI(ADDEPI(CASTPS(t), SET1EPI32(127)), 23);                                                     \
  return MUL(y, CASTSI(bits));

#if defined(CPU_CAPABILITY_AVX2)
template <>
inline at::vec::Vectorized<float> fastExp(const at::vec::Vectorized<float>& vec) {
  const __m256 v = vec;
  FLOWPP_CEPHES_EXPF(__m256, __m256i, _mm256_set1_ps, _mm256_set1_epi32, _mm256_max_ps, _mm256_min_ps, _mm256_fmadd_ps,
                     _mm256_fnmadd_ps, _mm256_mul_ps, _mm256_add_ps, _mm256_sub_ps, _mm256_add_epi32, _mm256_slli_epi32,
                     _mm256_castps_si256, _mm256_castsi256_ps)
}
#elif defined(CPU_CAPABILITY_AVX512)
template <>
inline at::vec::Vectorized<float> fastExp(const at::vec::Vectorized<float>& vec) {
  const __m512 v = vec;
  FLOWPP_CEPHES_EXPF(__m512, __m512i, _mm512_set1_ps, _mm512_set1_epi32, _mm512_max_ps, _mm512_min_ps, _mm512_fmadd_ps,
                     _mm512_fnmadd_ps, _mm512_mul_ps, _mm512_add_ps, _mm512_sub_ps, _mm512_add_epi32, _mm512_slli_epi32,
                     _mm512_castps_si512, _mm512_castsi512_ps)
}
#endif
#undef FLOWPP_CEPHES_EXPF

}  // namespace CPU_CAPABILITY
}  // namespace flowpp::kernels
