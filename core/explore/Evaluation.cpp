#include "explore/Evaluation.h"

#include <algorithm>
#include <cmath>

#include "data/Dataset.h"

namespace flowpp {

EvalResult evaluate(FlowPlusPlus& model, const torch::Tensor& images8, const EvalOptions& options,
                    const std::function<bool(int64_t, int64_t)>& progress) {
  torch::NoGradGuard noGrad;
  const bool wasTraining = model->is_training();
  model->eval();
  torch::manual_seed(options.seed);
  const int64_t n = images8.size(0);
  std::vector<torch::Tensor> elbo, iw;
  EvalResult result;
  int64_t done = 0;
  for (int64_t start = 0; start < n; start += options.batchSize) {
    const auto count = std::min(options.batchSize, n - start);
    auto x = quantize(images8.narrow(0, start, count), model->config().nBits);
    auto bounds = model->importanceWeighted(x, options.importanceSamples);
    elbo.push_back(model->bitsPerDim(bounds.elbo).cpu());
    iw.push_back(model->bitsPerDim(bounds.iw).cpu());
    done += count;
    if (progress && !progress(done, n)) {
      result.cancelled = true;
      break;
    }
  }
  model->train(wasTraining);
  result.images = done;
  if (done == 0) return result;
  result.bpdElbo = torch::cat(elbo);
  result.bpdIw = torch::cat(iw);
  result.meanElbo = result.bpdElbo.mean().item<double>();
  result.meanIw = result.bpdIw.mean().item<double>();
  return result;
}

std::vector<double> importanceWeightedCurve(FlowPlusPlus& model, const torch::Tensor& x, const std::vector<int>& ks,
                                            uint64_t seed) {
  TORCH_CHECK(!ks.empty() && x.dim() == 4 && x.size(0) == 1, "importanceWeightedCurve: one image and some K");
  torch::NoGradGuard noGrad;
  torch::manual_seed(seed);
  const int kMax = *std::max_element(ks.begin(), ks.end());
  auto r = model->logLikelihood(x.expand({kMax, -1, -1, -1})).logp.to(torch::kDouble).cpu();  // [kMax]
  std::vector<double> out;
  for (int k : ks) {
    TORCH_CHECK(k >= 1 && kMax % k == 0, "each K must divide the largest K");
    auto groups = r.view({kMax / k, k});
    auto iw = (torch::logsumexp(groups, 1) - std::log(static_cast<double>(k))).mean();
    out.push_back(model->bitsPerDim(iw).item<double>());
  }
  return out;
}

}  // namespace flowpp
