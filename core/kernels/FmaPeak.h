#pragma once
// The machine's multiply-add peak, measured with our own loops (not a BLAS, which an environment
// variable such as OPENBLAS_CORETYPE may pin to older kernels): each instruction set the CPU has
// runs independent fused multiply-adds on every core for a short while.
//  - "avx2_fp32":   _mm256_fmadd_ps, 8 lanes x 2 FLOPs
//  - "avx512_fp32": _mm512_fmadd_ps, 16 lanes x 2 FLOPs
//  - "avx512_bf16": _mm512_dpbf16_ps, 32 bf16 products summed into 16 fp32 lanes, 64 FLOPs
// Twelve accumulators per thread hide the FMA latency (4 cycles on two ports needs 8).
#include <string>
#include <vector>

namespace flowpp::kernels {

struct FmaPeak {
  std::string isa;    // "avx2_fp32", "avx512_fp32", "avx512_bf16"
  double gflops = 0;  // all threads together
};

// Every instruction set this CPU runs, measured with `threads` threads (0: all cores) for about
// `seconds` each.
std::vector<FmaPeak> measureFmaPeaks(int threads = 0, double seconds = 0.3);

// The best fp32 figure of `peaks` (0 when none): what bench's fractions are of.
double bestFp32Peak(const std::vector<FmaPeak>& peaks);

}  // namespace flowpp::kernels
