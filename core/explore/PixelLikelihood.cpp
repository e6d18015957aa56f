#include "explore/PixelLikelihood.h"

#include <cmath>

#include "explore/Evaluation.h"
#include "explore/SampleGrid.h"
#include "util/Random.h"

namespace flowpp {

PixelLikelihood pixelLikelihood(FlowPlusPlus& model, const torch::Tensor& x, int samples, uint64_t seed) {
  TORCH_CHECK(samples >= 1, "samples must be >= 1");
  torch::NoGradGuard noGrad;
  RandomScope scope(seed);
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

LikelihoodReport likelihoodReport(FlowPlusPlus& model, const torch::Tensor& image8, int mapSamples,
                                  int importanceSamples, uint64_t seed, const ProgressFn& progress) {
  if (mapSamples < 1 || mapSamples > 1024 || importanceSamples < 1 || importanceSamples > 16384)
    throw std::invalid_argument("likelihood: map draws must be 1 to 1024 and importance samples 1 to 16384");
  auto x = modelInput(model, image8);
  auto pl = pixelLikelihood(model, x[0], mapSamples, seed);
  LikelihoodReport r;
  r.image = displayPixels(model, x[0]);
  auto perPixel = pl.bits.sum(0).contiguous();
  r.channels = int(pl.bits.size(0)), r.height = int(perPixel.size(0)), r.width = int(perPixel.size(1));
  r.bits.assign(perPixel.data_ptr<double>(), perPixel.data_ptr<double>() + perPixel.numel());
  r.breakdownBits = pl.breakdownBits;
  r.totalBits = pl.totalBits;
  r.bpdMap = pl.bitsPerDim;
  r.mapSamples = mapSamples;
  // The bound in chunks of draws, so a large K reports progress and can be cancelled.
  EvalOptions eo;
  eo.importanceSamples = importanceSamples;
  eo.batchSize = 32;
  eo.seed = mixSeed({seed, 0x1b});
  auto e = evaluate(model, image8.unsqueeze(0), eo, progress);
  r.importanceSamples = importanceSamples;
  r.cancelled = e.cancelled;
  r.bpdElbo = e.cancelled ? r.bpdMap : e.meanElbo;
  r.bpdIw = e.cancelled ? std::nan("") : e.meanIw;
  return r;
}

}  // namespace flowpp
