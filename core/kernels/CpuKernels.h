#pragma once
// The interface between the fused ops (math/MixLogisticFused.cpp, nn/FusedAttention.cpp,
// nn/ConcatEluConv.cpp, nn/GatedResidual.cpp) and their hand-vectorised CPU kernels
// (kernels/MixLogisticKernel.h, kernels/AttentionKernel.h, kernels/ConcatEluKernel.h,
// kernels/GatedResidualKernel.h), and the tables of their builds, one per
// instruction set (AVX-512, AVX2 + FMA, portable), picked at run time. Torch-free.
#include <cstdint>
#include <string>
#include <vector>

namespace flowpp::kernels {

template <typename T>
struct RowIn {
  const T* x;    // [hw]
  const T* raw;  // [(2 + 3K) * hw]
  int64_t hw, K;
  T minLogScale;
};

template <typename T>
struct RowOut {
  T *y, *logdet, *stats;  // stats: [4 * hw] = LF, L1, Lp, LSE(logits)
};

template <typename T>
struct RowGrad {
  const T *stats, *gradY, *gradLogdet;
  T *gradX, *gradRaw;  // [hw], [(2 + 3K) * hw]
};

template <typename S>
struct InverseRowIn {
  const S* y;    // [hw], the coupling's output
  const S* raw;  // [(2 + 3K) * hw]
  int64_t hw, K;
  double minLogScale, tolerance;
  int maxIterations;
};

template <typename S>
struct InverseRowOut {
  S *x, *logdet;
  int maxIterations = 0;  // Newton iterations until every lane of the row converged
  bool allConverged = true;
};

// One (batch, head) of attention: q, k, v are [n][d] row-major.
template <typename T>
struct AttentionHead {
  const T *q, *k, *v;
  int64_t n, d;
  T scale;
};

struct CpuKernels {
  void (*forwardFloat)(const RowIn<float>&, const RowOut<float>&);
  void (*forwardDouble)(const RowIn<double>&, const RowOut<double>&);
  void (*backwardFloat)(const RowIn<float>&, const RowGrad<float>&);
  void (*backwardDouble)(const RowIn<double>&, const RowGrad<double>&);
  void (*inverseFloat)(const InverseRowIn<float>&, InverseRowOut<float>&);
  void (*inverseDouble)(const InverseRowIn<double>&, InverseRowOut<double>&);
  void (*attentionForwardFloat)(const AttentionHead<float>&, float* out, float* lse);
  void (*attentionForwardDouble)(const AttentionHead<double>&, double* out, double* lse);
  void (*attentionBackwardFloat)(const AttentionHead<float>&, const float* out, const float* lse, const float* gradOut,
                                 float* gq, float* gk, float* gv);
  void (*attentionBackwardDouble)(const AttentionHead<double>&, const double* out, const double* lse,
                                  const double* gradOut, double* gq, double* gk, double* gv);
  float (*expShiftSumFloat)(float* row, int64_t n, float shift);  // the attention weights' exp, for bench
  // concat_elu of n positions: pos = elu(x), neg = elu(-x); and its backward from pos and neg.
  void (*concatEluFloat)(const float* x, float* pos, float* neg, int64_t n);
  void (*concatEluDouble)(const double* x, double* pos, double* neg, int64_t n);
  void (*concatEluGradFloat)(const float* pos, const float* neg, const float* gPos, const float* gNeg, float* gx, int64_t n);
  void (*concatEluGradDouble)(const double* pos, const double* neg, const double* gPos, const double* gNeg, double* gx,
                              int64_t n);
  // The gated residual x + a * sigmoid(b) over `pixels` channels-last pixels of c channels ([a, b]:
  // 2c per pixel), and the gradient of [a, b] from the output's gradient g.
  void (*gatedResidualFloat)(const float* x, const float* ab, float* out, int64_t pixels, int64_t c);
  void (*gatedResidualGradFloat)(const float* g, const float* ab, float* gab, int64_t pixels, int64_t c);
  const char* isa;
};

// The kernels in use: the table FLOWPP_KERNELS names (portable, avx2 or avx512) when it is set,
// else the best one this CPU runs. Throws std::invalid_argument when FLOWPP_KERNELS names a table
// that does not exist or that this CPU cannot run (the message says which it can).
const CpuKernels& cpuKernels();
// Every table this CPU runs, best first ("avx512", "avx2", "portable").
std::vector<const CpuKernels*> supportedKernelTables();
// The table of that name; throws std::invalid_argument as cpuKernels() does.
const CpuKernels& kernelTable(const std::string& name);
// Makes `table` the one cpuKernels() returns, for the whole process (tests run every table this
// way). Not meant to change while kernels run on other threads.
void useKernels(const CpuKernels& table);

namespace avx512 {
const CpuKernels& table();
}
namespace avx2 {
const CpuKernels& table();
}
namespace portable {
const CpuKernels& table();
}

}  // namespace flowpp::kernels
