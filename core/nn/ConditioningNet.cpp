#include "nn/ConditioningNet.h"

#include "nn/ConvLayout.h"
#include "util/Random.h"

namespace flowpp {

ConditioningNetImpl::ConditioningNetImpl(const ConditioningNetOptions& o) {
  const auto& net = o.net();
  projIn_ = register_module("proj_in",
                            DdiConv2d(DdiConv2dOptions(o.inChannels(), net.filters, 3).weightNorm(net.weightNorm)));
  blocks_ = register_module("blocks", torch::nn::ModuleList());
  for (int i = 0; i < net.blocks; ++i) blocks_->push_back(ConvAttnBlock(net));
  if (net.attention != AttentionMode::None && net.blocks > 0)
    posEmb_ = register_parameter("pos_emb", normal({1, net.filters, o.height(), o.width()}) * 0.01);
  projOut_ = register_module(
      "proj_out", DdiConv2d(DdiConv2dOptions(net.filters, o.outChannels(), 3).initScale(0.1).weightNorm(net.weightNorm)));
}

torch::Tensor ConditioningNetImpl::forward(const torch::Tensor& x, const torch::Tensor& context) {
  // Channels-last inside (nn/ConvLayout.h); the coupling gets NCHW parameters back.
  const bool last = useChannelsLast(x);
  const auto format = last ? at::MemoryFormat::ChannelsLast : at::MemoryFormat::Contiguous;
  // (An input of one channel is NCHW and channels-last at once, and so is proj_in's output: made
  // channels-last explicitly.)
  auto h = projIn_->forward(last ? x.contiguous(format) : x);
  if (last) h = h.contiguous(format);
  const auto c = last && context.defined() ? context.contiguous(format) : context;
  for (auto& block : *blocks_) h = block->as<ConvAttnBlock>()->forward(h, c, posEmb_);
  auto out = projOut_->forward(h);
  return last ? out.contiguous() : out;
}

}  // namespace flowpp
