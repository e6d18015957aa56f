#pragma once
// Shared helpers for the core tests: random draws from the test's own generator (each test function
// opens a RandomScope with its own seed, so it stands alone in any order), brute-force Jacobians in
// float64, and a perturbation that moves layers away from their near-identity initialisation.
#include <functional>

#include <torch/torch.h>

#include "explore/SelfCheck.h"
#include "util/Random.h"

namespace flowpp::test {

using flowpp::bruteForceLogDet;  // core/explore/SelfCheck.h

inline torch::Tensor randn(at::IntArrayRef sizes, torch::Dtype dtype = torch::kFloat) {
  return flowpp::normal(sizes, torch::TensorOptions().dtype(dtype));
}
inline torch::Tensor rand(at::IntArrayRef sizes) { return flowpp::uniform(sizes); }
// Integers in [lo, hi) as float.
inline torch::Tensor randint(int64_t lo, int64_t hi, at::IntArrayRef sizes) {
  return (flowpp::uniform(sizes, torch::TensorOptions().dtype(torch::kDouble)) * double(hi - lo)).floor().add(double(lo)).to(torch::kFloat);
}

inline double maxAbsDiff(const torch::Tensor& a, const torch::Tensor& b) {
  return (a.to(torch::kDouble) - b.to(torch::kDouble)).abs().max().item<double>();
}

// Moves every parameter away from its (near-identity) initialisation so that checks see a
// non-trivial transform.
inline void perturb(torch::nn::Module& m, double scale) {
  torch::NoGradGuard g;
  for (auto& p : m.parameters()) p.add_(randn(p.sizes(), p.scalar_type()) * scale);
}

}  // namespace flowpp::test
