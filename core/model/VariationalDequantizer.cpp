#include "model/VariationalDequantizer.h"

#include <cmath>

#include "nn/ConvLayout.h"
#include "util/Random.h"

namespace flowpp {

torch::Tensor standardNormalLogProb(const torch::Tensor& x) {
  return -0.5 * x.pow(2) - 0.5 * std::log(2.0 * M_PI);
}

VariationalDequantizerImpl::VariationalDequantizerImpl(const ModelConfig& config)
    : levels_(static_cast<double>(1 << config.nBits)) {
  const auto& d = config.dequantizer;
  // The context net sees x's two stripe halves stacked on channels: [2C, H, W/2].
  const int context = d.net.contextChannels;
  contextIn_ = register_module("context_in", DdiConv2d(DdiConv2dOptions(2 * config.channels, context, 3)));
  contextBlocks_ = register_module("context_blocks", torch::nn::ModuleList());
  for (int i = 0; i < d.contextBlocks; ++i)
    contextBlocks_->push_back(GatedConv(GatedConvOptions(context).dropout(d.net.dropout)));
  auto net = d.net;
  net.weightNorm = false;
  auto coupling = CouplingOptions(config.channels, config.height, config.width)
                      .components(d.coupling == "affine" ? 0 : d.components)
                      .net(net);
  flow_ = register_module("flow", CouplingGroup(CouplingGroupOptions(SplitType::Stripe, d.couplings, coupling)));
}

torch::Tensor VariationalDequantizerImpl::context(const torch::Tensor& x) {
  auto [a, b] = splitHalves(x / levels_ - 0.5, SplitType::Stripe);
  // Channels-last where the conditioners run so (nn/ConvLayout.h); they read the context as it is.
  auto in = torch::cat({a, b}, 1);
  const bool last = useChannelsLast(in);
  auto h = contextIn_->forward(last ? in.contiguous(at::MemoryFormat::ChannelsLast) : in);
  if (last) h = h.contiguous(at::MemoryFormat::ChannelsLast);
  for (auto& block : *contextBlocks_) h = block->as<GatedConv>()->forward(h);
  return h;
}

DequantOutput VariationalDequantizerImpl::forward(const torch::Tensor& x, torch::Tensor eps) {
  if (!eps.defined()) eps = normal(x.sizes(), x.options());
  auto r = flow_->forward(eps, context(x));
  // Sigmoid log-det: log s(v) + log(1 - s(v)) = logsigmoid(v) + logsigmoid(-v).
  auto sigmoidLogdet = torch::log_sigmoid(r.out) + torch::log_sigmoid(-r.out);
  // Float32 sigmoid rounds to exactly 1 for v > ~17; keep u inside its bin [0, 1).
  auto u = torch::sigmoid(r.out).clamp_max(1.0 - std::pow(2.0, -24));
  return {u, standardNormalLogProb(eps) - r.logdet - sigmoidLogdet};
}

}  // namespace flowpp
