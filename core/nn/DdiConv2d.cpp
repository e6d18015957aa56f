#include "nn/DdiConv2d.h"

#include "nn/ConcatEluConv.h"
#include "nn/ConvPrecision.h"
#include "nn/DataInit.h"
#include "nn/FlopCounter.h"
#include "util/Random.h"

namespace flowpp {

DdiConv2dImpl::DdiConv2dImpl(const DdiConv2dOptions& options) : options_(options) {
  auto k = options.kernel();
  weight_ = register_parameter("weight", normal({options.out(), options.in(), k, k}) * 0.05);
  bias_ = register_parameter("bias", torch::zeros({options.out()}));
  if (options.weightNorm())
    gain_ = register_parameter("gain", weight_.detach().flatten(1).norm(2, 1));
}

torch::Tensor DdiConv2dImpl::effectiveWeight() const {
  if (!options_.weightNorm()) return weight_;
  auto norm = weight_.flatten(1).norm(2, 1).clamp_min(1e-12);
  return weight_ * (gain_ / norm).view({-1, 1, 1, 1});
}

void DdiConv2dImpl::initFromData(const torch::Tensor& x) {
  torch::NoGradGuard noGrad;
  auto y = torch::conv2d(x, effectiveWeight(), {}, 1, options_.kernel() / 2);
  auto mean = y.mean({0, 2, 3});
  auto scale = options_.initScale() / torch::sqrt(y.var({0, 2, 3}, false) + 1e-10);
  if (options_.weightNorm())
    gain_.mul_(scale);
  else
    weight_.mul_(scale.view({-1, 1, 1, 1}));
  bias_.copy_(-mean * scale);
}

torch::Tensor DdiConv2dImpl::forward(const torch::Tensor& x) {
  if (DataInitGuard::active()) initFromData(x);
  const auto k = options_.kernel();
  FlopCounter::add(2.0 * x.size(0) * x.size(2) * x.size(3) * options_.in() * options_.out() * k * k);
  return conditionerConv2d(x, effectiveWeight(), bias_, k / 2);
}

torch::Tensor DdiConv2dImpl::forwardConcatElu(const torch::Tensor& x) {
  if (DataInitGuard::active()) return forward(concatElu(x));
  const auto k = options_.kernel();
  FlopCounter::add(2.0 * x.size(0) * x.size(2) * x.size(3) * options_.in() * options_.out() * k * k);
  return concatEluConv2d(x, effectiveWeight(), bias_);
}

}  // namespace flowpp
