#pragma once
// Gated multi-head self-attention over all H*W positions (Flow++ conditioner):
//   h = x + pos_emb; q,k,v = nin(h) -> 3F; softmax(q k^T / sqrt(d)) v over `heads` heads;
//   c = nin(dropout(.)) -> 2F; return x + a * sigmoid(b).
// With selfAttention = false the softmax mixing is replaced by a position-wise maxout over the three
// projections: the official "no attention" ablation, with exactly the same parameter count.
#include <torch/torch.h>

#include "nn/DdiConv2d.h"

namespace flowpp {

struct GatedAttentionOptions {
  explicit GatedAttentionOptions(int64_t filters) : filters_(filters) {}
  TORCH_ARG(int64_t, filters);
  TORCH_ARG(int64_t, heads) = 4;
  TORCH_ARG(double, dropout) = 0.0;
  TORCH_ARG(bool, selfAttention) = true;
  TORCH_ARG(bool, weightNorm) = false;
};

class GatedAttentionImpl : public torch::nn::Module {
 public:
  explicit GatedAttentionImpl(const GatedAttentionOptions& options);
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& posEmb);

 private:
  torch::Tensor attend(const torch::Tensor& qkv) const;

  GatedAttentionOptions options_;
  DdiConv2d qkv_{nullptr}, gate_{nullptr};
};
TORCH_MODULE(GatedAttention);

}  // namespace flowpp
