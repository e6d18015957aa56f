#include "nn/ConvAttnBlock.h"

namespace flowpp {

ConvAttnBlockImpl::ConvAttnBlockImpl(const ConditionerOptions& o) {
  conv_ = register_module("conv", GatedConv(GatedConvOptions(o.filters)
                                                .contextChannels(o.contextChannels)
                                                .dropout(o.dropout)
                                                .weightNorm(o.weightNorm)));
  convNorm_ = register_module("conv_norm", LayerNorm2d(o.filters));
  if (o.attention != AttentionMode::None) {
    attn_ = register_module("attn", GatedAttention(GatedAttentionOptions(o.filters)
                                                       .heads(o.heads)
                                                       .dropout(o.dropout)
                                                       .selfAttention(o.attention == AttentionMode::Self)
                                                       .weightNorm(o.weightNorm)));
    attnNorm_ = register_module("attn_norm", LayerNorm2d(o.filters));
  }
}

torch::Tensor ConvAttnBlockImpl::forward(const torch::Tensor& x, const torch::Tensor& context,
                                         const torch::Tensor& posEmb) {
  auto h = convNorm_->forward(conv_->forward(x, context));
  if (attn_) h = attnNorm_->forward(attn_->forward(h, posEmb));
  return h;
}

}  // namespace flowpp
