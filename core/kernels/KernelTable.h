#pragma once
// Defines the kernel table of the instruction set this translation unit is compiled for. Included
// once by KernelsAvx2.cpp (namespace avx2) and once by KernelsPortable.cpp (namespace portable).
#include "kernels/AttentionKernel.h"
#include "kernels/ConcatEluKernel.h"
#include "kernels/GatedResidualKernel.h"
#include "kernels/MixLogisticKernel.h"

#define FLOWPP_KERNEL_TABLE(NS, NAME)                                                                        \
  namespace flowpp::kernels::NS {                                                                            \
  const CpuKernels& table() {                                                                                \
    static const CpuKernels t{&forwardRow<float>,   &forwardRow<double>,   &backwardRow<float>,              \
                              &backwardRow<double>, &inverseRow<float>,    &inverseRow<double>,              \
                              &attentionForwardHead<float>, &attentionForwardHead<double>,                   \
                              &attentionBackwardHead<float>, &attentionBackwardHead<double>,                 \
                              &expShiftSum<float>, &concatEluRun<float>, &concatEluRun<double>,              \
                              &concatEluGradRun<float>, &concatEluGradRun<double>,                           \
                              &gatedResidualPixels<float>, &gatedResidualGradPixels<float>, NAME};           \
    return t;                                                                                                \
  }                                                                                                          \
  }
