#include "explore/LayerView.h"

#include <cmath>
#include <map>
#include <stdexcept>

#include "data/ImageIo.h"
#include "explore/SampleGrid.h"
#include "util/Random.h"

namespace flowpp {

namespace {
constexpr int kMaxTiles = 16;

std::vector<double> toVector(const torch::Tensor& t) {
  auto c = t.to(torch::kDouble).contiguous().cpu();
  return {c.data_ptr<double>(), c.data_ptr<double>() + c.numel()};
}

// The tensor of one image [C, H, W] as grey tiles, each channel scaled to its own min..max.
LayerView describe(const std::string& name, const torch::Tensor& value) {
  LayerView v;
  v.name = name;
  auto t = value[0].to(torch::kFloat).cpu();
  v.channels = int(t.size(0)), v.height = int(t.size(1)), v.width = int(t.size(2));
  v.minValue = t.min().item<double>(), v.maxValue = t.max().item<double>();
  for (int c = 0; c < std::min(v.channels, kMaxTiles); ++c) {
    auto ch = t[c];
    const double lo = ch.min().item<double>(), hi = ch.max().item<double>();
    auto grey = ((ch - lo) / std::max(hi - lo, 1e-12) * 255.0).round().clamp(0, 255).to(torch::kUInt8).unsqueeze(0);
    v.tiles.push_back(toPixels(grey));
  }
  return v;
}

// A term of log p (nats, image layout [1, C, H, W]) as bits per pixel, channels summed.
void addBits(LayerView& v, const torch::Tensor& term) {
  auto bits = -term[0].to(torch::kDouble).sum(0) / std::log(2.0);
  v.bits = toVector(bits);
  v.totalBits = bits.sum().item<double>();
}
}  // namespace

LayersReport layersReport(FlowPlusPlus& model, const torch::Tensor& image8, uint64_t seed) {
  torch::NoGradGuard noGrad;
  RandomScope scope(seed);
  auto x = modelInput(model, image8).to(model->device());
  std::vector<LayerState> states;
  auto lik = model->logLikelihood(x, /*withTerms=*/true, {}, &states);
  std::map<std::string, torch::Tensor> terms;
  for (const auto& t : lik.terms) terms[t.name] = t.map;
  LayersReport r;
  r.image = displayPixels(model, x[0]);
  r.height = int(x.size(2)), r.width = int(x.size(3));
  const std::map<std::string, std::string> termOf = {{"x + u (dequantized)", "dequantization"}, {"preprocessing", "preprocessing"}};
  for (const auto& s : states) {
    auto v = describe(s.name, s.value);
    if (s.logdet.defined()) addBits(v, s.logdet);
    else if (termOf.count(s.name)) addBits(v, terms.at(termOf.at(s.name)));
    r.layers.push_back(std::move(v));
  }
  auto prior = describe("z (latent): prior log N(z)", states.back().value);
  addBits(prior, terms.at("prior"));
  r.layers.push_back(std::move(prior));
  for (const auto& v : r.layers) r.totalBits += v.totalBits;
  r.bitsPerDim = r.totalBits / double(model->dims());
  return r;
}

LayersReport sampleLayersReport(FlowPlusPlus& model, double temperature, uint64_t seed) {
  if (!std::isfinite(temperature) || temperature < 0 || temperature > 10)
    throw std::invalid_argument("temperature must be a number in [0, 10], got " + std::to_string(temperature));
  torch::NoGradGuard noGrad;
  InverseContext inv;
  std::vector<LayerState> states;
  auto y = model->flowInverse(model->sampleLatent(1, temperature, seed).to(model->device()), inv, &states).out;
  LayersReport r;
  r.inverse = true;
  const double maxLevel = std::ldexp(1.0, model->config().nBits) - 1;
  r.image = displayPixels(model, torch::floor(y[0]).clamp(0, maxLevel));
  r.height = int(y.size(2)), r.width = int(y.size(3));
  for (const auto& s : states) {
    auto v = describe(s.name, s.value);
    v.meanNewtonIterations = s.meanIterations;
    r.layers.push_back(std::move(v));
  }
  return r;
}

}  // namespace flowpp
