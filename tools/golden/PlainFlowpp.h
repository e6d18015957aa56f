#pragma once
// An independent evaluation of Flow++'s log-likelihood, kept only to produce the golden values that
// tests/core/test_golden.cpp checks the model against (tools/golden/make_golden.cpp writes them).
// Plain ATen operations in float64, written from the paper (eq. 1, 7, 12, sec. 3) and the official
// code's layer order, reading a model's weights by name. It shares nothing with core/'s model: not
// its layers, splits, squeezes, mixture maths or fused kernels, only the checkpoint reader and the
// config struct. Where the two agree to float64 rounding, both compute what the paper defines.
#include <map>
#include <string>

#include <torch/torch.h>

#include "model/ModelConfig.h"

namespace flowpp::golden {

using Weights = std::map<std::string, torch::Tensor>;

// log p(x + u) - log q(u | x) per image, in nats (float64), for integer images x [B, C, H, W] and the
// dequantizer's input noise of the same shape: the Gaussian eps of a variational dequantizer, or u
// itself for uniform dequantization.
torch::Tensor plainLogLikelihood(const ModelConfig& config, const Weights& weights, const torch::Tensor& x,
                                 const torch::Tensor& noise);

}  // namespace flowpp::golden
