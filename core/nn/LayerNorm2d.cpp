#include "nn/LayerNorm2d.h"

namespace flowpp {

LayerNorm2dImpl::LayerNorm2dImpl(int64_t channels) {
  gain_ = register_parameter("gain", torch::ones({1, channels, 1, 1}));
  bias_ = register_parameter("bias", torch::zeros({1, channels, 1, 1}));
}

// ATen's fused layer norm over the last axis, on a channels-last view: one pass forward and one
// backward instead of the eight elementwise ops (and their saved tensors) of the written-out form.
torch::Tensor LayerNorm2dImpl::forward(const torch::Tensor& x) {
  auto y = torch::layer_norm(x.permute({0, 2, 3, 1}), {x.size(1)}, gain_.view({-1}), bias_.view({-1}), 1e-5);
  return y.permute({0, 3, 1, 2}).contiguous(x.suggest_memory_format());  // a channels-last x needs no copy
}

}  // namespace flowpp
