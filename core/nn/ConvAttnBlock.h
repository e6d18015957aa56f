#pragma once
// One block of Flow++'s conditioner: gated conv -> layer norm -> [gated attention -> layer norm].
#include <torch/torch.h>

#include "model/ConfigTypes.h"
#include "nn/GatedAttention.h"
#include "nn/GatedConv.h"
#include "nn/LayerNorm2d.h"

namespace flowpp {

class ConvAttnBlockImpl : public torch::nn::Module {
 public:
  explicit ConvAttnBlockImpl(const ConditionerOptions& options);  // `blocks` is the caller's business
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& context, const torch::Tensor& posEmb);

 private:
  GatedConv conv_{nullptr};
  LayerNorm2d convNorm_{nullptr}, attnNorm_{nullptr};
  GatedAttention attn_{nullptr};
};
TORCH_MODULE(ConvAttnBlock);

}  // namespace flowpp
