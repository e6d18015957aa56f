#include "toy/ToyCoupling.h"

#include "math/MixLogisticFused.h"

#include <cmath>

#include "util/Random.h"

namespace flowpp {

namespace {
int64_t outputsFor(int64_t components) { return components > 0 ? 2 + 3 * components : 2; }
}  // namespace

ToyCouplingImpl::ToyCouplingImpl(const ToyCouplingOptions& options) : options_(options) {
  const int64_t h = options.hidden(), out = outputsFor(options.components());
  net_ = register_module("net", torch::nn::Sequential(torch::nn::Linear(1, h), torch::nn::SiLU(), torch::nn::Linear(h, h),
                                                      torch::nn::SiLU(), torch::nn::Linear(h, out)));
  torch::NoGradGuard noGrad;
  // torch's own initialisation draws from its global generator; ours from the thread's RandomScope
  // (the same U(-1/sqrt(fan_in), 1/sqrt(fan_in))), so the same seed gives the same flow.
  for (int i : {0, 2, 4}) {
    auto linear = net_->ptr<torch::nn::LinearImpl>(i);
    const double bound = 1.0 / std::sqrt(double(linear->weight.size(1)));
    for (auto* t : {&linear->weight, &linear->bias}) t->copy_((uniform(t->sizes()) * 2 - 1) * bound);
  }
  auto last = net_->ptr<torch::nn::LinearImpl>(4);
  last->weight.mul_(0.01);
  last->bias.zero_();
  // Identical components would get identical gradients and never separate: spread their means.
  if (options.components() > 0) {
    const int64_t k = options.components();
    last->bias.narrow(0, 2 + k, k).copy_(torch::linspace(-2.0, 2.0, k));
  }
}

int64_t ToyCouplingImpl::parameterCount(int64_t hidden, int64_t components) {
  return (1 + 1) * hidden + (hidden + 1) * hidden + (hidden + 1) * outputsFor(components);
}

torch::Tensor ToyCouplingImpl::raw(const torch::Tensor& cond) { return net_->forward(cond.unsqueeze(1)); }

// The image model's coupling transform works on [B, C, H, W] tensors; the batch goes in the width
// (B = C = H = 1), where its kernel vectorises along rows.
namespace {
torch::Tensor asRow(const torch::Tensor& x) { return x.view({1, 1, 1, x.size(0)}); }
torch::Tensor asRows(const torch::Tensor& raw) { return raw.t().contiguous().view({1, raw.size(1), 1, raw.size(0)}); }
}  // namespace

ToyCouplingOutput ToyCouplingImpl::forward(const torch::Tensor& x, const torch::Tensor& cond) {
  auto r = raw(cond);
  if (!isMixture()) {
    auto a = torch::tanh(r.select(1, 0));
    return {x * torch::exp(a) + r.select(1, 1), a};
  }
  auto t = mixLogisticCoupling(asRow(x), asRows(r), options_.components());
  return {t.y.view({-1}), t.logdet.view({-1})};
}

ToyCouplingOutput ToyCouplingImpl::inverse(const torch::Tensor& y, const torch::Tensor& cond, const InverseOptions& options) {
  auto r = raw(cond);
  if (!isMixture()) {
    auto a = torch::tanh(r.select(1, 0));
    return {(y - r.select(1, 1)) * torch::exp(-a), -a};
  }
  auto inv = mixLogisticCouplingInverse(asRow(y), asRows(r), options_.components(), options);
  return {inv.x.view({-1}).to(y.scalar_type()), inv.logdet.view({-1}).to(y.scalar_type()), inv.iterations};
}

}  // namespace flowpp
