#include "flows/PixelPreprocess.h"

#include <cmath>

namespace flowpp {

namespace {
constexpr double kScale = 0.9;  // official "alpha = 0.05" squeeze: [0,1] -> [0.05, 0.95]
constexpr double kShift = 0.05;
}  // namespace

PixelPreprocessImpl::PixelPreprocessImpl(int nBits) : nBits_(nBits) {
  TORCH_CHECK(nBits >= 1 && nBits <= 8, "n_bits must be in 1..8, got ", nBits);
}

FlowOutput PixelPreprocessImpl::forward(const torch::Tensor& y) {
  auto s = y * (kScale / levels()) + kShift;
  auto logS = torch::log(s), log1mS = torch::log1p(-s);
  return {logS - log1mS, std::log(kScale / levels()) - logS - log1mS};
}

FlowOutput PixelPreprocessImpl::inverse(const torch::Tensor& v) {
  auto s = torch::sigmoid(v);
  // log s = logsigmoid(v), log(1-s) = logsigmoid(-v): exact even where s rounds to 0 or 1.
  auto logdet = torch::log_sigmoid(v) + torch::log_sigmoid(-v) - std::log(kScale / levels());
  return {(s - kShift) * (levels() / kScale), logdet};
}

}  // namespace flowpp
