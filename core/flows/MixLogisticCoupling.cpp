#include "flows/MixLogisticCoupling.h"

#include "math/MixLogisticFused.h"

namespace flowpp {

MixLogisticCouplingImpl::MixLogisticCouplingImpl(const CouplingOptions& options) : options_(options) {
  TORCH_CHECK(options.components() >= 1, "mixture-logistic coupling needs K >= 1 components");
  net_ = register_module("net", ConditioningNet(options.netOptions(2 + 3 * options.components())));
}

FlowOutput MixLogisticCouplingImpl::forward(const torch::Tensor& x, const torch::Tensor& cond, const torch::Tensor& context) {
  auto t = mixLogisticCoupling(x, net_->forward(cond, context), options_.components());
  return {t.y, t.logdet};
}

FlowOutput MixLogisticCouplingImpl::inverse(const torch::Tensor& y, const torch::Tensor& cond, const torch::Tensor& context,
                                            InverseContext& inv) {
  auto solved = mixLogisticCouplingInverse(y, net_->forward(cond, context), options_.components(), inv.options);
  inv.iterations += solved.iterations;
  inv.calls += 1;
  inv.allConverged = inv.allConverged && solved.converged;
  return {solved.x, solved.logdet};
}

}  // namespace flowpp
