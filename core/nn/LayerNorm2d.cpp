#include "nn/LayerNorm2d.h"

namespace flowpp {

LayerNorm2dImpl::LayerNorm2dImpl(int64_t channels) {
  gain_ = register_parameter("gain", torch::ones({1, channels, 1, 1}));
  bias_ = register_parameter("bias", torch::zeros({1, channels, 1, 1}));
}

torch::Tensor LayerNorm2dImpl::forward(const torch::Tensor& x) {
  auto mean = x.mean(1, true);
  auto var = (x - mean).pow(2).mean(1, true);
  return (x - mean) * torch::rsqrt(var + 1e-5) * gain_ + bias_;
}

}  // namespace flowpp
