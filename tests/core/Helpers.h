#pragma once
// Shared numeric checks for the core tests: brute-force Jacobians in float64.
#include <functional>

#include <torch/torch.h>

#include "explore/SelfCheck.h"

namespace flowpp::test {

using flowpp::bruteForceLogDet;  // core/explore/SelfCheck.h

inline double maxAbsDiff(const torch::Tensor& a, const torch::Tensor& b) {
  return (a.to(torch::kDouble) - b.to(torch::kDouble)).abs().max().item<double>();
}

// Moves every parameter away from its (near-identity) initialisation so that checks see a
// non-trivial transform.
inline void perturb(torch::nn::Module& m, double scale) {
  torch::NoGradGuard g;
  for (auto& p : m.parameters()) p.add_(torch::randn_like(p) * scale);
}

}  // namespace flowpp::test
