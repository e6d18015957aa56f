#pragma once
// Shared numeric checks for the core tests: brute-force Jacobians in float64.
#include <functional>

#include <torch/torch.h>

namespace flowpp::test {

// log|det J| of f at x (one sample), from the full autograd Jacobian. x is float64 with batch 1.
inline double bruteForceLogDet(const std::function<torch::Tensor(const torch::Tensor&)>& f, torch::Tensor x) {
  x = x.detach().clone().set_requires_grad(true);
  auto y = f(x).flatten();
  const auto d = x.numel();
  auto jac = torch::zeros({y.numel(), d}, torch::kDouble);
  for (int64_t i = 0; i < y.numel(); ++i) {
    auto g = torch::autograd::grad({y[i]}, {x}, {}, /*retain_graph=*/true, false, /*allow_unused=*/true)[0];
    if (g.defined()) jac[i] = g.flatten();
  }
  return std::get<1>(torch::linalg_slogdet(jac)).item<double>();
}

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
