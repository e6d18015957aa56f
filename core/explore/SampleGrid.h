#pragma once
// Samples x = f^-1(T * eps) as pictures, with each sample's bits/dim: what the studio's Samples tab
// shows and `flowpp sample` writes.
#include "explore/Reports.h"
#include "model/FlowPlusPlus.h"

namespace flowpp {

// count in 1..4096, temperature finite in [0, 10] (else std::invalid_argument naming the value).
SampleReport sampleReport(FlowPlusPlus& model, int count, double temperature, uint64_t seed,
                          const InverseOptions& inverse = {});

// Model input (n-bit values, [1, C, H, W]) from an 8-bit image [C, H, W], and back to pixels.
torch::Tensor modelInput(const FlowPlusPlus& model, const torch::Tensor& image8);
Pixels8 displayPixels(const FlowPlusPlus& model, const torch::Tensor& xN);

}  // namespace flowpp
