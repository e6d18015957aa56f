#include "flows/ActNorm.h"

#include "nn/DataInit.h"

namespace flowpp {

ActNormImpl::ActNormImpl(int64_t channels, int64_t height, int64_t width) {
  logScale_ = register_parameter("log_scale", torch::zeros({1, channels, height, width}));
  bias_ = register_parameter("bias", torch::zeros({1, channels, height, width}));
}

FlowOutput ActNormImpl::forward(const torch::Tensor& x) {
  if (DataInitGuard::active()) {
    torch::NoGradGuard noGrad;
    auto mean = x.mean(0, true);
    auto var = x.var(0, false, true);
    logScale_.copy_(-0.5 * torch::log(var + 1e-8));  // official eps
    bias_.copy_(-mean * torch::exp(logScale_));
  }
  return {x * torch::exp(logScale_) + bias_, logScale_.expand_as(x)};
}

FlowOutput ActNormImpl::inverse(const torch::Tensor& y) {
  return {(y - bias_) * torch::exp(-logScale_), (-logScale_).expand_as(y)};
}

}  // namespace flowpp
