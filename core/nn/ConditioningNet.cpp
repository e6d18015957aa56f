#include "nn/ConditioningNet.h"

namespace flowpp {

ConditioningNetImpl::ConditioningNetImpl(const ConditioningNetOptions& o) {
  projIn_ = register_module(
      "proj_in", DdiConv2d(DdiConv2dOptions(o.inChannels(), o.filters(), 3).weightNorm(o.weightNorm())));
  blocks_ = register_module("blocks", torch::nn::ModuleList());
  for (int64_t i = 0; i < o.blocks(); ++i)
    blocks_->push_back(ConvAttnBlock(ConvAttnBlockOptions(o.filters())
                                         .contextChannels(o.contextChannels())
                                         .heads(o.heads())
                                         .attention(o.attention())
                                         .dropout(o.dropout())
                                         .weightNorm(o.weightNorm())));
  if (o.attention() != AttentionMode::None && o.blocks() > 0)
    posEmb_ = register_parameter("pos_emb", torch::randn({1, o.filters(), o.height(), o.width()}) * 0.01);
  projOut_ = register_module(
      "proj_out",
      DdiConv2d(DdiConv2dOptions(o.filters(), o.outChannels(), 3).initScale(0.1).weightNorm(o.weightNorm())));
}

torch::Tensor ConditioningNetImpl::forward(const torch::Tensor& x, const torch::Tensor& context) {
  auto h = projIn_->forward(x);
  for (auto& block : *blocks_) h = block->as<ConvAttnBlock>()->forward(h, context, posEmb_);
  return projOut_->forward(h);
}

}  // namespace flowpp
