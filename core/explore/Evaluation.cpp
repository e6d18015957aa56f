#include "explore/Evaluation.h"

#include <algorithm>
#include <cmath>

#include "data/Dataset.h"
#include "model/Footprint.h"
#include "util/Random.h"

namespace flowpp {

namespace {
// Noise for draw k of the image with global index `index`.
torch::Tensor drawNoise(FlowPlusPlus& model, uint64_t seed, int64_t index, int64_t k) {
  RandomScope scope(mixSeed({seed, uint64_t(index), uint64_t(k), 0xe7}));
  return model->drawNoise(1);
}
}  // namespace

EvalResult evaluate(FlowPlusPlus& model, const torch::Tensor& images8, const EvalOptions& options,
                    const std::function<bool(int64_t, int64_t)>& progress) {
  TORCH_CHECK(options.importanceSamples >= 1 && options.batchSize >= 1, "evaluate: K and the batch must be >= 1");
  torch::NoGradGuard noGrad;
  const bool wasTraining = model->is_training();
  model->eval();
  const int64_t n = images8.size(0), k = options.importanceSamples;
  requireMemory(estimateFootprint(model->config(), options.batchSize).evaluationBytes,
                "evaluation with " + std::to_string(options.batchSize) + " images per pass");
  auto ratios = torch::empty({n, k}, torch::kDouble);  // log p(x+u_k) - log q(u_k|x)
  auto flat = ratios.view({-1});
  EvalResult result;
  const int64_t pairs = n * k;
  int64_t done = 0;
  for (int64_t start = 0; start < pairs; start += options.batchSize) {
    const int64_t count = std::min(options.batchSize, pairs - start);
    std::vector<torch::Tensor> xs, noises;
    for (int64_t p = start; p < start + count; ++p) {
      const int64_t image = p / k, draw = p % k;
      xs.push_back(images8[image]);
      noises.push_back(drawNoise(model, options.seed, options.firstIndex + image, draw));
    }
    auto x = quantize(torch::stack(xs), model->config().nBits);
    flat.narrow(0, start, count).copy_(model->logLikelihood(x, false, torch::cat(noises)).logp.to(torch::kDouble).cpu());
    done = (start + count) / k;
    if (progress && !progress(start + count, pairs) && start + count < pairs) {
      result.cancelled = true;
      break;
    }
  }
  model->train(wasTraining);
  result.images = done;
  if (done == 0) return result;
  auto r = ratios.narrow(0, 0, done);
  result.bpdElbo = model->bitsPerDim(r.mean(1));
  result.bpdIw = model->bitsPerDim(torch::logsumexp(r, 1) - std::log(static_cast<double>(k)));
  result.meanElbo = result.bpdElbo.mean().item<double>();
  result.meanIw = result.bpdIw.mean().item<double>();
  return result;
}

std::vector<double> importanceWeightedCurve(FlowPlusPlus& model, const torch::Tensor& x, const std::vector<int>& ks,
                                            uint64_t seed) {
  TORCH_CHECK(!ks.empty() && x.dim() == 4 && x.size(0) == 1, "importanceWeightedCurve: one image and some K");
  torch::NoGradGuard noGrad;
  RandomScope scope(seed);
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
