#pragma once
// Flow++'s logistic-mixture CDF coupling (paper eq. 7):
//   y = exp(a) * logit(MixLogCDF(x; pi, mu, s)) + b
// with a = tanh(raw) in (-1, 1) and mixture log-scales clamped below at -7 (official stabilisers).
// Per-element log|det| = log pdf(x) - log F(x) - log(1 - F(x)) + a. The transform itself is the
// fused kernel of math/MixLogisticFused.h.
#include "flows/Coupling.h"

namespace flowpp {

class MixLogisticCouplingImpl : public CouplingImpl {
 public:
  explicit MixLogisticCouplingImpl(const CouplingOptions& options);
  FlowOutput forward(const torch::Tensor& x, const torch::Tensor& cond, const torch::Tensor& context) override;
  FlowOutput inverse(const torch::Tensor& y, const torch::Tensor& cond, const torch::Tensor& context,
                     InverseContext& inv) override;
  torch::Tensor rawParameters(const torch::Tensor& cond, const torch::Tensor& context) override { return net_->forward(cond, context); }
  int64_t components() const override { return options_.components(); }

 private:
  CouplingOptions options_;
  ConditioningNet net_{nullptr};
};
TORCH_MODULE(MixLogisticCoupling);

}  // namespace flowpp
