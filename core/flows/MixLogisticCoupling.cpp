#include "flows/MixLogisticCoupling.h"

namespace flowpp {

namespace {
constexpr double kMinLogScale = -7.0;  // official clamp of the mixture log-scales
}

MixLogisticCouplingImpl::MixLogisticCouplingImpl(const CouplingOptions& options) : options_(options) {
  TORCH_CHECK(options.components() >= 1, "mixture-logistic coupling needs K >= 1 components");
  net_ = register_module("net", ConditioningNet(options.netOptions(2 + 3 * options.components())));
}

MixLogisticCouplingImpl::Params MixLogisticCouplingImpl::params(const torch::Tensor& cond,
                                                                const torch::Tensor& context) {
  const auto k = options_.components();
  auto raw = net_->forward(cond, context);
  // [B, C*(2+3K), H, W] -> [B, C, H, W, 2+3K]
  raw = raw.view({raw.size(0), options_.channels(), 2 + 3 * k, raw.size(2), raw.size(3)}).permute({0, 1, 3, 4, 2});
  Params p;
  p.a = torch::tanh(raw.select(-1, 0));
  p.b = raw.select(-1, 1);
  p.mix.logits = raw.narrow(-1, 2, k);
  p.mix.means = raw.narrow(-1, 2 + k, k);
  p.mix.logScales = raw.narrow(-1, 2 + 2 * k, k).clamp_min(kMinLogScale);
  return p;
}

FlowOutput MixLogisticCouplingImpl::forward(const torch::Tensor& x, const torch::Tensor& cond,
                                            const torch::Tensor& context) {
  auto p = params(cond, context);
  auto c = mixLogisticLogCdf(x, p.mix);
  auto y = torch::exp(p.a) * (c.logF - c.log1mF) + p.b;
  return {y, c.logPdf - c.logF - c.log1mF + p.a};
}

FlowOutput MixLogisticCouplingImpl::inverse(const torch::Tensor& y, const torch::Tensor& cond,
                                            const torch::Tensor& context, InverseContext& inv) {
  auto p = params(cond, context);
  auto target = (y - p.b) * torch::exp(-p.a);
  auto solved = mixLogisticInverse(target, p.mix, inv.options);
  inv.iterations += solved.iterations;
  inv.calls += 1;
  inv.allConverged = inv.allConverged && solved.converged;
  auto c = mixLogisticLogCdf(solved.x, p.mix);
  return {solved.x, -(c.logPdf - c.logF - c.log1mF + p.a)};
}

}  // namespace flowpp
