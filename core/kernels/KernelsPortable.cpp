// The CPU kernels in portable code (ATen's generic Vectorized: plain loops), for any x86-64, and
// the run-time choice between the two builds.
#include "kernels/KernelTable.h"

FLOWPP_KERNEL_TABLE(portable, "portable")

namespace flowpp::kernels {

const CpuKernels& cpuKernels() {
  static const CpuKernels& chosen =
      __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") ? avx2::table() : portable::table();
  return chosen;
}

}  // namespace flowpp::kernels
