#pragma once
// Invertible 1x1 convolution (Glow): y = W x at every position. Initialised as a noisy identity
// (I + 0.001 N(0,1), as in the official code). log|det W| is computed in float64 and shared
// equally by the C channels of each position, so the per-element map sums to H*W*log|det W|.
#include <torch/torch.h>

#include "flows/FlowOutput.h"

namespace flowpp {

class InvConv1x1Impl : public torch::nn::Module {
 public:
  explicit InvConv1x1Impl(int64_t channels);
  FlowOutput forward(const torch::Tensor& x);
  FlowOutput inverse(const torch::Tensor& y);
  const torch::Tensor& weight() const { return weight_; }  // [C, C]

 private:
  torch::Tensor logAbsDetPerElement(const torch::Tensor& like) const;
  torch::Tensor weight_;  // [C, C]
};
TORCH_MODULE(InvConv1x1);

}  // namespace flowpp
