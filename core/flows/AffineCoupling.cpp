#include "flows/AffineCoupling.h"

namespace flowpp {

AffineCouplingImpl::AffineCouplingImpl(const CouplingOptions& options) : options_(options) {
  net_ = register_module("net", ConditioningNet(options.netOptions(2)));
}

std::pair<torch::Tensor, torch::Tensor> AffineCouplingImpl::params(const torch::Tensor& cond,
                                                                    const torch::Tensor& context) {
  auto raw = net_->forward(cond, context);
  raw = raw.view({raw.size(0), options_.channels(), 2, raw.size(2), raw.size(3)});
  return {torch::tanh(raw.select(2, 0)), raw.select(2, 1)};
}

FlowOutput AffineCouplingImpl::forward(const torch::Tensor& x, const torch::Tensor& cond,
                                       const torch::Tensor& context) {
  auto [a, b] = params(cond, context);
  return {x * torch::exp(a) + b, a};
}

FlowOutput AffineCouplingImpl::inverse(const torch::Tensor& y, const torch::Tensor& cond,
                                       const torch::Tensor& context, InverseContext&) {
  auto [a, b] = params(cond, context);
  return {(y - b) * torch::exp(-a), -a};
}

}  // namespace flowpp
