#include "nn/GatedConv.h"

#include "nn/GatedResidual.h"
#include "util/Random.h"

namespace flowpp {

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
  auto c = conv_->forwardConcatElu(x);
  if (contextProj_ && context.defined()) c = c + contextProj_->forwardConcatElu(context);
  // Dropout sits between the activation and the gate, so that pair is fused only when it is off.
  const bool dropout = options_.dropout() > 0 && is_training();
  auto ab = dropout ? gate_->forward(flowpp::dropout(concatElu(c), options_.dropout(), true)) : gate_->forwardConcatElu(c);
  return gatedResidual(x, ab);
}

}  // namespace flowpp
