#include "explore/Evaluation.h"

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

}  // namespace flowpp
