#pragma once
// The affine coupling of RealNVP/Glow, Flow++'s ablation "affine coupling": y = exp(a) * x + b with
// a = tanh(raw) in (-1, 1), as the official code does with K = 0. log|det| per element = a.
#include "flows/Coupling.h"

namespace flowpp {

class AffineCouplingImpl : public CouplingImpl {
 public:
  explicit AffineCouplingImpl(const CouplingOptions& options);
  FlowOutput forward(const torch::Tensor& x, const torch::Tensor& cond, const torch::Tensor& context) override;
  FlowOutput inverse(const torch::Tensor& y, const torch::Tensor& cond, const torch::Tensor& context,
                     InverseContext& inv) override;
  torch::Tensor rawParameters(const torch::Tensor& cond, const torch::Tensor& context) override { return net_->forward(cond, context); }
  int64_t components() const override { return 0; }

 private:
  std::pair<torch::Tensor, torch::Tensor> params(const torch::Tensor& cond, const torch::Tensor& context);
  CouplingOptions options_;
  ConditioningNet net_{nullptr};
};
TORCH_MODULE(AffineCoupling);

}  // namespace flowpp
