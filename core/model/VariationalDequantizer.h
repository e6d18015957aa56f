#pragma once
// Flow++'s variational dequantization q(u|x) (paper sec. 3.1): noise eps ~ N(0, I) shaped like x
// goes through a conditional flow (stripe-split couplings whose conditioners also see a context
// computed from x) that ends in a sigmoid, giving u in (0, 1).
//   log q(u|x) = log N(eps) - sum log|det| of the noise flow (including the sigmoid).
#include <torch/torch.h>

#include "flows/CouplingGroup.h"
#include "model/ModelConfig.h"
#include "nn/GatedConv.h"

namespace flowpp {

struct DequantOutput {
  torch::Tensor u;     // [B, C, H, W] in [0, 1)
  torch::Tensor logq;  // per-element log q(u|x) contributions; summed per sample = log q(u|x)
};

class VariationalDequantizerImpl : public torch::nn::Module {
 public:
  explicit VariationalDequantizerImpl(const ModelConfig& config);
  // x: integer pixel values [B, C, H, W]; eps: the Gaussian noise (drawn when undefined).
  DequantOutput forward(const torch::Tensor& x, torch::Tensor eps = {});
  // The context net's output for x (what the flow's couplings are conditioned on), and the flow
  // itself (a stripe-split coupling group): for the lossless coder.
  torch::Tensor context(const torch::Tensor& x);
  CouplingGroup flow() const { return flow_; }

 private:

  double levels_;
  DdiConv2d contextIn_{nullptr};
  torch::nn::ModuleList contextBlocks_;
  CouplingGroup flow_{nullptr};
};
TORCH_MODULE(VariationalDequantizer);

// Elementwise log N(x; 0, 1).
torch::Tensor standardNormalLogProb(const torch::Tensor& x);

}  // namespace flowpp
