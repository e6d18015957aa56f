#pragma once
// Shared helpers for the core tests: random draws from the test's own generator (each test function
// opens a RandomScope with its own seed, so it stands alone in any order), brute-force Jacobians in
// float64, a perturbation that moves layers away from their near-identity initialisation, every
// kernel table in turn, and finite-difference gradient checks.
#include <QtTest>

#include <functional>

#include <torch/torch.h>

#include "explore/SelfCheck.h"
#include "kernels/CpuKernels.h"
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

// Runs `check(isa)` once with each kernel table this CPU runs (AVX-512, AVX2, portable), then puts
// back the table that was in use. Stops at the first table whose check failed, and says which.
template <typename Check>
void forEachKernelTable(Check&& check) {
  const auto& before = kernels::cpuKernels();
  for (const auto* table : kernels::supportedKernelTables()) {
    kernels::useKernels(*table);
    check(table->isa);
    if (QTest::currentTestFailed()) {
      qWarning("the check above failed with the %s kernels", table->isa);
      break;
    }
  }
  kernels::useKernels(before);
}

// The directional derivative of L = sum(f(inputs) * w) along random directions v (one per input),
// by central finite differences in float64, against the one autograd gives, <grad L, v>. Returns
// their relative difference; float64 with h = 1e-6 resolves it to about 1e-8.
inline double finiteDifferenceError(const std::function<torch::Tensor(const std::vector<torch::Tensor>&)>& f,
                                    const std::vector<torch::Tensor>& inputs, double h = 1e-6) {
  std::vector<torch::Tensor> x, directions;
  for (const auto& t : inputs) {
    x.push_back(t.detach().to(torch::kDouble).requires_grad_());
    directions.push_back(randn(t.sizes(), torch::kDouble));
  }
  auto out = f(x);
  auto w = randn(out.sizes(), torch::kDouble);
  auto grads = torch::autograd::grad({(out * w).sum()}, x);
  double analytic = 0;
  for (size_t i = 0; i < x.size(); ++i) analytic += (grads[i] * directions[i]).sum().item<double>();
  auto moved = [&](double step) {
    torch::NoGradGuard g;
    std::vector<torch::Tensor> y;
    for (size_t i = 0; i < x.size(); ++i) y.push_back(x[i].detach() + step * directions[i]);
    return (f(y) * w).sum().item<double>();
  };
  const double numeric = (moved(h) - moved(-h)) / (2 * h);
  return std::abs(numeric - analytic) / std::max(1.0, std::abs(analytic));
}

}  // namespace flowpp::test
