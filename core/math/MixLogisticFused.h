#pragma once
// Flow++'s logistic-mixture CDF coupling transform (paper eq. 7) on the conditioner's raw output,
// two ways:
//  - fused: one pass per element over the K components, vectorised and parallel (kernels/), with
//    an exact hand-written backward; no [B, C, H, W, K] temporary is made. CPU tensors only.
//  - plain: the same maths in ATen ops (the reference the fused version is tested against, and
//    what CUDA tensors use).
// raw: [B, C * (2 + 3K), H, W], read as [B, C, 2 + 3K, H, W] with slots
// [a, b, K logits, K means, K log-scales]; a = tanh(raw_a), log-scales clamped below at -7.
#include <torch/torch.h>

#include "math/MixLogistic.h"

namespace flowpp {

struct CouplingTransform {
  torch::Tensor y;       // e^a * logit(F(x)) + b
  torch::Tensor logdet;  // per element: log F'(x) - log F(x) - log(1 - F(x)) + a
};

constexpr double kMinMixtureLogScale = -7.0;  // official clamp of the mixture log-scales

CouplingTransform mixLogisticCouplingFused(const torch::Tensor& x, const torch::Tensor& raw, int64_t K);
CouplingTransform mixLogisticCouplingPlain(const torch::Tensor& x, const torch::Tensor& raw, int64_t K);
// The fused kernel where it runs (CPU), the plain ops elsewhere.
CouplingTransform mixLogisticCoupling(const torch::Tensor& x, const torch::Tensor& raw, int64_t K);

struct CouplingInverseResult {
  torch::Tensor x, logdet;  // logdet of the inverse direction (= -forward logdet at x)
  int iterations = 0;       // Newton (or bisection) iterations until every element converged
  bool converged = true;
};
// Inverts the transform elementwise in float64: the fused Newton solver on the CPU (each element
// iterates on its own), the plain tensor-wide solver of math/MixLogistic.h otherwise or when
// `options` asks for bisection.
CouplingInverseResult mixLogisticCouplingInverse(const torch::Tensor& y, const torch::Tensor& raw, int64_t K,
                                                 const InverseOptions& options = {});

// The name of the instruction set the fused kernels use on this CPU ("avx2" or "portable").
const char* mixLogisticKernelIsa();

}  // namespace flowpp
