#include "explore/SampleGrid.h"

#include <chrono>
#include <cmath>
#include <stdexcept>

#include "data/Dataset.h"
#include "data/ImageIo.h"
#include "util/Random.h"

namespace flowpp {

torch::Tensor modelInput(const FlowPlusPlus& model, const torch::Tensor& image8) {
  return quantize(image8, model->config().nBits).unsqueeze(0);
}

Pixels8 displayPixels(const FlowPlusPlus& model, const torch::Tensor& xN) {
  return toPixels(toDisplay8(xN, model->config().nBits));
}

SampleReport sampleReport(FlowPlusPlus& model, int count, double temperature, uint64_t seed, const InverseOptions& inverse) {
  if (count < 1 || count > 4096) throw std::invalid_argument("sample count " + std::to_string(count) + " is out of range (1 to 4096)");
  if (!std::isfinite(temperature) || temperature < 0 || temperature > 10)
    throw std::invalid_argument("temperature " + std::to_string(temperature) + " is out of range (0 to 10)");
  torch::NoGradGuard noGrad;
  const auto start = std::chrono::steady_clock::now();
  auto s = model->sample(count, temperature, seed, inverse);
  SampleReport r;
  r.count = count, r.temperature = temperature, r.seed = seed;
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  r.meanIterations = s.meanIterations;
  r.converged = s.converged;
  auto x = s.x.cpu();
  for (int64_t i = 0; i < x.size(0); ++i) r.images.push_back(displayPixels(model, x[i]));
  RandomScope scope(mixSeed({seed, 0xb9}));
  auto bpd = model->bitsPerDim(model->logLikelihood(s.x).logp).to(torch::kDouble).cpu().contiguous();
  r.bitsPerDim.assign(bpd.data_ptr<double>(), bpd.data_ptr<double>() + bpd.numel());
  return r;
}

}  // namespace flowpp
