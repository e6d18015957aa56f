#include "kernels/FmaPeak.h"

#include <immintrin.h>

#include <atomic>
#include <chrono>
#include <thread>

namespace flowpp::kernels {

namespace {

constexpr int kAccumulators = 12;
constexpr int64_t kRepeats = 1 << 16;  // inner iterations between clock reads

// Each loop returns a value that depends on every accumulator, so the work cannot be dropped; the
// multipliers are chosen so that the values stay finite (x * 1 + tiny).
__attribute__((target("avx2,fma"))) float loopAvx2(int64_t rounds) {
  __m256 acc[kAccumulators];
  for (auto& a : acc) a = _mm256_set1_ps(1.0f);
  const __m256 m = _mm256_set1_ps(0.999999f), c = _mm256_set1_ps(1e-7f);
  for (int64_t r = 0; r < rounds; ++r)
    for (int i = 0; i < kAccumulators; ++i) acc[i] = _mm256_fmadd_ps(acc[i], m, c);
  __m256 sum = acc[0];
  for (int i = 1; i < kAccumulators; ++i) sum = _mm256_add_ps(sum, acc[i]);
  return _mm256_cvtss_f32(sum);
}

__attribute__((target("avx512f"))) float loopAvx512(int64_t rounds) {
  __m512 acc[kAccumulators];
  for (auto& a : acc) a = _mm512_set1_ps(1.0f);
  const __m512 m = _mm512_set1_ps(0.999999f), c = _mm512_set1_ps(1e-7f);
  for (int64_t r = 0; r < rounds; ++r)
    for (int i = 0; i < kAccumulators; ++i) acc[i] = _mm512_fmadd_ps(acc[i], m, c);
  __m512 sum = acc[0];
  for (int i = 1; i < kAccumulators; ++i) sum = _mm512_add_ps(sum, acc[i]);
  return _mm512_reduce_add_ps(sum);
}

__attribute__((target("avx512f,avx512bf16"))) float loopAvx512Bf16(int64_t rounds) {
  __m512 acc[kAccumulators];
  for (auto& a : acc) a = _mm512_setzero_ps();
  const __m512bh a = _mm512_cvtne2ps_pbh(_mm512_set1_ps(1e-3f), _mm512_set1_ps(1e-3f));
  const __m512bh b = _mm512_cvtne2ps_pbh(_mm512_set1_ps(1e-3f), _mm512_set1_ps(1e-3f));
  for (int64_t r = 0; r < rounds; ++r)
    for (int i = 0; i < kAccumulators; ++i) acc[i] = _mm512_dpbf16_ps(acc[i], a, b);
  __m512 sum = acc[0];
  for (int i = 1; i < kAccumulators; ++i) sum = _mm512_add_ps(sum, acc[i]);
  return _mm512_reduce_add_ps(sum);
}

// Runs `loop` on `threads` threads for about `seconds`; FLOPs per inner iteration per accumulator
// = flopsPerInstruction.
double measure(float (*loop)(int64_t), double flopsPerInstruction, int threads, double seconds) {
  using Clock = std::chrono::steady_clock;
  loop(1024);  // wake the vector units (AVX-512 parts ramp up their frequency first)
  std::atomic<int64_t> totalRounds{0};
  std::atomic<float> sink{0};
  std::vector<std::thread> pool;
  const auto start = Clock::now();
  for (int t = 0; t < threads; ++t)
    pool.emplace_back([&] {
      int64_t rounds = 0;
      float s = 0;
      while (std::chrono::duration<double>(Clock::now() - start).count() < seconds) {
        s += loop(kRepeats);
        rounds += kRepeats;
      }
      totalRounds += rounds;
      sink = sink + s;
    });
  for (auto& t : pool) t.join();
  const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  return double(totalRounds.load()) * kAccumulators * flopsPerInstruction / elapsed / 1e9;
}

}  // namespace

std::vector<FmaPeak> measureFmaPeaks(int threads, double seconds) {
  if (threads <= 0) threads = std::max(1, int(std::thread::hardware_concurrency()));
  std::vector<FmaPeak> out;
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
    out.push_back({"avx2_fp32", measure(loopAvx2, 8 * 2, threads, seconds)});
  if (__builtin_cpu_supports("avx512f")) out.push_back({"avx512_fp32", measure(loopAvx512, 16 * 2, threads, seconds)});
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bf16"))
    out.push_back({"avx512_bf16", measure(loopAvx512Bf16, 32 * 2, threads, seconds)});
  return out;
}

double bestFp32Peak(const std::vector<FmaPeak>& peaks) {
  double best = 0;
  for (const auto& p : peaks)
    if (p.isa.find("fp32") != std::string::npos) best = std::max(best, p.gflops);
  return best;
}

}  // namespace flowpp::kernels
