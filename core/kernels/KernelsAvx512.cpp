// The CPU kernels compiled for AVX-512 (16 floats or 8 doubles per instruction, SLEEF's vector
// exp/log). CMake builds this file with the flags ATen uses for its own AVX-512 kernels (-mavx512f
// -mavx512bw -mavx512vl -mavx512dq -mfma, CPU_CAPABILITY=AVX512); supportedKernelTables() offers it
// only on CPUs that have all of these.
#include "kernels/KernelTable.h"

FLOWPP_KERNEL_TABLE(avx512, "avx512")
