#pragma once
// PixelCNN++-style gated residual block used throughout Flow++'s conditioner:
//   c = conv3x3(concat_elu(x)) [+ nin(concat_elu(context))]; c = dropout(concat_elu(c));
//   c = nin(c) -> 2F; return x + a * sigmoid(b)   (a, b = halves of c).
#include <torch/torch.h>

#include "nn/ConcatEluConv.h"
#include "nn/DdiConv2d.h"

namespace flowpp {

struct GatedConvOptions {
  explicit GatedConvOptions(int64_t filters) : filters_(filters) {}
  TORCH_ARG(int64_t, filters);
  TORCH_ARG(int64_t, contextChannels) = 0;  // 0: no context input
  TORCH_ARG(double, dropout) = 0.0;
  TORCH_ARG(bool, weightNorm) = false;
};

class GatedConvImpl : public torch::nn::Module {
 public:
  explicit GatedConvImpl(const GatedConvOptions& options);
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& context = {});

 private:
  GatedConvOptions options_;
  DdiConv2d conv_{nullptr}, contextProj_{nullptr}, gate_{nullptr};
};
TORCH_MODULE(GatedConv);

}  // namespace flowpp
