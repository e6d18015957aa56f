#pragma once
// Numerical self-checks that can run on any device (`flowpp check --device cuda`): exact inverse and
// log-det against a brute-force autograd Jacobian on tiny models of every kind. The Qt tests use the
// same brute-force Jacobian.
#include <functional>
#include <string>
#include <vector>

#include <torch/torch.h>

#include "model/ModelConfig.h"

namespace flowpp {

// log|det J| of f at x (batch 1), from the full autograd Jacobian, in x's dtype. f runs under a
// ReferenceOpsGuard: the Jacobian comes from ATen's autograd of the written-out ops, independent of
// the fused kernels and their hand-written backward passes.
double bruteForceLogDet(const std::function<torch::Tensor(const torch::Tensor&)>& f, torch::Tensor x);

// A 2x4x4 model with two coupling groups around a squeeze, for checks and tests.
ModelConfig tinyCheckConfig(SplitType split, AttentionMode attention, bool variational, bool affine);

struct SelfCheckResult {
  std::string name;
  double roundTripError = 0;  // max |f^-1(f(y)) - y| in float32, pixel units
  double logdetError = 0;     // |ours - brute force| in float64, nats
  bool exactReconstruction = false;  // decode(encode(x)) == x
  bool passed = false;
};

std::vector<SelfCheckResult> runSelfChecks(const torch::Device& device);

}  // namespace flowpp
