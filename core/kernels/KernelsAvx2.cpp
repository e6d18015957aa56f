// The CPU kernels compiled for AVX2 + FMA (8 floats or 4 doubles per instruction, SLEEF's vector
// exp/log). CMake builds this file with -mavx2 -mfma and CPU_CAPABILITY=AVX2, exactly as ATen
// builds its own AVX2 kernels; cpuKernels() uses it only on CPUs that have AVX2 and FMA.
#include "kernels/KernelTable.h"

FLOWPP_KERNEL_TABLE(avx2, "avx2")
