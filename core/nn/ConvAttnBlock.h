#pragma once
// One block of Flow++'s conditioner: gated conv -> layer norm -> [gated attention -> layer norm].
#include <torch/torch.h>

#include "nn/GatedAttention.h"
#include "nn/GatedConv.h"
#include "nn/LayerNorm2d.h"

namespace flowpp {

enum class AttentionMode {
  None,       // conv only (the attention block is absent)
  Self,       // gated multi-head self-attention (full Flow++)
  Pointwise,  // the official ablation: position embedding + 1x1 maxout MLP in place of attention
};

struct ConvAttnBlockOptions {
  explicit ConvAttnBlockOptions(int64_t filters) : filters_(filters) {}
  TORCH_ARG(int64_t, filters);
  TORCH_ARG(int64_t, contextChannels) = 0;
  TORCH_ARG(int64_t, heads) = 4;
  TORCH_ARG(AttentionMode, attention) = AttentionMode::Self;
  TORCH_ARG(double, dropout) = 0.0;
  TORCH_ARG(bool, weightNorm) = false;
};

class ConvAttnBlockImpl : public torch::nn::Module {
 public:
  explicit ConvAttnBlockImpl(const ConvAttnBlockOptions& options);
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& context, const torch::Tensor& posEmb);

 private:
  GatedConv conv_{nullptr};
  LayerNorm2d convNorm_{nullptr}, attnNorm_{nullptr};
  GatedAttention attn_{nullptr};
};
TORCH_MODULE(ConvAttnBlock);

}  // namespace flowpp
