#include "explore/PixelLikelihood.h"

#include <cmath>

namespace flowpp {

PixelLikelihood pixelLikelihood(FlowPlusPlus& model, const torch::Tensor& x, int samples, uint64_t seed) {
  TORCH_CHECK(samples >= 1, "samples must be >= 1");
  torch::NoGradGuard noGrad;
  torch::manual_seed(seed);
  const double ln2 = std::log(2.0);
  PixelLikelihood out;
  auto batch = x.unsqueeze(0).expand({samples, -1, -1, -1});
  auto lik = model->logLikelihood(batch, true);
  torch::Tensor total;
  for (const auto& term : lik.terms) {
    auto bits = -term.map.to(torch::kDouble).cpu().mean(0) / ln2;  // mean over the draws
    out.breakdownBits.emplace_back(term.name, bits.sum().item<double>());
    total = total.defined() ? total + bits : bits;
  }
  out.bits = total;
  out.totalBits = total.sum().item<double>();
  out.bitsPerDim = out.totalBits / static_cast<double>(model->dims());
  return out;
}

}  // namespace flowpp
