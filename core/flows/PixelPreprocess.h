#pragma once
// Official Flow++ pixel preprocessing for n-bit data: y in [0, 2^n) (integer pixel + noise u) is
// squeezed to s = y * 0.9 / 2^n + 0.05 in [0.05, 0.95] and mapped to v = logit(s).
// log|dv/dy| = log(0.9 / 2^n) - log s - log(1 - s). Because the 1/2^n scaling is inside this
// Jacobian, log p of y in pixel units is directly the discrete log-likelihood of the n-bit image.
#include <torch/torch.h>

#include "flows/FlowOutput.h"

namespace flowpp {

class PixelPreprocessImpl : public torch::nn::Module {
 public:
  explicit PixelPreprocessImpl(int nBits = 8);
  FlowOutput forward(const torch::Tensor& y);
  FlowOutput inverse(const torch::Tensor& v);
  int nBits() const { return nBits_; }
  double levels() const { return static_cast<double>(1 << nBits_); }

 private:
  int nBits_;
};
TORCH_MODULE(PixelPreprocess);

}  // namespace flowpp
