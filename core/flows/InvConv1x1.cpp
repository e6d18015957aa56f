#include "flows/InvConv1x1.h"

#include "util/Random.h"

namespace flowpp {

InvConv1x1Impl::InvConv1x1Impl(int64_t channels) {
  weight_ = register_parameter("weight", torch::eye(channels) + 0.001 * normal({channels, channels}));
}

torch::Tensor InvConv1x1Impl::logAbsDetPerElement(const torch::Tensor& like) const {
  auto logAbsDet = std::get<1>(torch::linalg_slogdet(weight_.to(torch::kDouble))).to(like.scalar_type());
  return (logAbsDet / static_cast<double>(weight_.size(0))).expand_as(like);
}

FlowOutput InvConv1x1Impl::forward(const torch::Tensor& x) {
  const auto c = weight_.size(0);
  return {torch::conv2d(x, weight_.view({c, c, 1, 1})), logAbsDetPerElement(x)};
}

FlowOutput InvConv1x1Impl::inverse(const torch::Tensor& y) {
  const auto c = weight_.size(0);
  auto inv = torch::inverse(weight_.to(torch::kDouble)).to(y.scalar_type());
  return {torch::conv2d(y, inv.view({c, c, 1, 1})), -logAbsDetPerElement(y)};
}

}  // namespace flowpp
