#include "nn/GatedConv.h"

#include "util/Random.h"

namespace flowpp {

torch::Tensor concatElu(const torch::Tensor& x) { return torch::elu(torch::cat({x, -x}, 1)); }

GatedConvImpl::GatedConvImpl(const GatedConvOptions& o) : options_(o) {
  const auto f = o.filters();
  conv_ = register_module("conv", DdiConv2d(DdiConv2dOptions(2 * f, f, 3).weightNorm(o.weightNorm())));
  if (o.contextChannels() > 0)
    contextProj_ = register_module(
        "context_proj", DdiConv2d(DdiConv2dOptions(2 * o.contextChannels(), f, 1).weightNorm(o.weightNorm())));
  // Output gate starts small (init scale 0.1) so the block begins close to the identity.
  gate_ = register_module("gate",
                          DdiConv2d(DdiConv2dOptions(2 * f, 2 * f, 1).initScale(0.1).weightNorm(o.weightNorm())));
}

torch::Tensor GatedConvImpl::forward(const torch::Tensor& x, const torch::Tensor& context) {
  auto c = conv_->forward(concatElu(x));
  if (contextProj_ && context.defined()) c = c + contextProj_->forward(concatElu(context));
  c = flowpp::dropout(concatElu(c), options_.dropout(), is_training());
  auto ab = gate_->forward(c).chunk(2, 1);
  return x + ab[0] * torch::sigmoid(ab[1]);
}

}  // namespace flowpp
