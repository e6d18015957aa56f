#pragma once
// Per-element ActNorm (the official "Norm"): a gain and a bias for every element of the C x H x W
// tensor, y = x * exp(logScale) + bias. Data-dependent init makes each element zero-mean and
// unit-variance over the init batch. log|det| per element = logScale.
#include <torch/torch.h>

#include "flows/FlowOutput.h"

namespace flowpp {

class ActNormImpl : public torch::nn::Module {
 public:
  ActNormImpl(int64_t channels, int64_t height, int64_t width);
  FlowOutput forward(const torch::Tensor& x);
  FlowOutput inverse(const torch::Tensor& y);
  const torch::Tensor& logScale() const { return logScale_; }  // [1, C, H, W]
  const torch::Tensor& bias() const { return bias_; }

 private:
  torch::Tensor logScale_, bias_;
};
TORCH_MODULE(ActNorm);

}  // namespace flowpp
