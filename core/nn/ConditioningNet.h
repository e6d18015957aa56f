#pragma once
// The network inside every coupling: maps the conditioning half (and an optional context, used by
// the dequantizer) to the parameters of the elementwise transform of the other half.
//   proj_in: 3x3 conv -> F; `blocks` x ConvAttnBlock (sharing one learned position embedding);
//   proj_out: 3x3 conv -> outChannels, initialised at scale 0.1 so the coupling starts near identity.
#include <torch/torch.h>

#include "nn/ConvAttnBlock.h"

namespace flowpp {

struct ConditioningNetOptions {
  ConditioningNetOptions(int64_t inChannels, int64_t outChannels, int64_t height, int64_t width)
      : inChannels_(inChannels), outChannels_(outChannels), height_(height), width_(width) {}
  TORCH_ARG(int64_t, inChannels);
  TORCH_ARG(int64_t, outChannels);
  TORCH_ARG(int64_t, height);
  TORCH_ARG(int64_t, width);
  TORCH_ARG(ConditionerOptions, net);
};

class ConditioningNetImpl : public torch::nn::Module {
 public:
  explicit ConditioningNetImpl(const ConditioningNetOptions& options);
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& context = {});

 private:
  DdiConv2d projIn_{nullptr}, projOut_{nullptr};
  torch::nn::ModuleList blocks_;
  torch::Tensor posEmb_;  // [1, F, H, W]; only when some attention block uses it
};
TORCH_MODULE(ConditioningNet);

}  // namespace flowpp
