#pragma once
// The coupling interface: transforms one half x of the tensor elementwise, with parameters computed
// by a ConditioningNet from the other half `cond` (and an optional `context`, for the dequantizer).
#include <memory>

#include <torch/torch.h>

#include "flows/FlowOutput.h"
#include "nn/ConditioningNet.h"

namespace flowpp {

struct CouplingOptions {
  CouplingOptions(int64_t channels, int64_t height, int64_t width)
      : channels_(channels), height_(height), width_(width) {}
  TORCH_ARG(int64_t, channels);  // of each half (the transformed and the conditioning one)
  TORCH_ARG(int64_t, height);
  TORCH_ARG(int64_t, width);
  TORCH_ARG(int64_t, components) = 32;  // K, mixture-logistic only; 0 = affine coupling
  TORCH_ARG(ConditionerOptions, net);

 public:
  ConditioningNetOptions netOptions(int64_t outPerChannel) const;
};

class CouplingImpl : public torch::nn::Module {
 public:
  virtual FlowOutput forward(const torch::Tensor& x, const torch::Tensor& cond,
                             const torch::Tensor& context) = 0;
  virtual FlowOutput inverse(const torch::Tensor& y, const torch::Tensor& cond, const torch::Tensor& context,
                             InverseContext& inv) = 0;
  // The conditioner's output for `cond`: [B, C * (2 + 3K), H, W] for a mixture of K logistics, slots
  // [a, b, K logits, K means, K log-scales] per channel (before tanh and the clamp), or [B, C * 2, H, W]
  // [a, b] for the affine coupling (components() == 0). What the lossless coder applies itself.
  virtual torch::Tensor rawParameters(const torch::Tensor& cond, const torch::Tensor& context) = 0;
  virtual int64_t components() const = 0;
};

// Builds a MixLogisticCoupling (components >= 1) or an AffineCoupling (components == 0).
std::shared_ptr<CouplingImpl> makeCoupling(const CouplingOptions& options);

}  // namespace flowpp
