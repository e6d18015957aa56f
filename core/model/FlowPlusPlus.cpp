#include "model/FlowPlusPlus.h"

#include <cmath>
#include <stdexcept>

#include "model/Footprint.h"
#include "nn/DataInit.h"
#include "util/Random.h"

namespace flowpp {

FlowPlusPlusImpl::FlowPlusPlusImpl(const ModelConfig& config) : config_(config) {
  preprocess_ = register_module("preprocess", PixelPreprocess(config.nBits));
  const auto& f = config.flow;
  int64_t c = config.channels, h = config.height, w = config.width;
  int groupIndex = 0;
  for (size_t i = 0; i < f.stages.size(); ++i) {
    const auto& s = f.stages[i];
    Stage stage;
    if (s.squeeze) {
      if (h % 2 || w % 2)
        throw std::invalid_argument("flow.stages[" + std::to_string(i) + "]: squeeze needs an even height and width, got " +
                                    std::to_string(h) + "x" + std::to_string(w));
      stage.squeeze = true;
      c *= 4, h /= 2, w /= 2;
      stages_.push_back(stage);
      continue;
    }
    auto net = f.net;
    net.attention = f.attentionOf(s);
    net.contextChannels = 0;
    auto coupling = CouplingOptions(c, h, w).components(f.coupling == "affine" ? 0 : f.components).net(net);
    ++groupIndex;
    stage.name = "stage " + std::to_string(groupIndex) + ": " + toString(s.split) + " x" +
                 std::to_string(s.couplings) + " at " + std::to_string(c) + "x" + std::to_string(h) + "x" +
                 std::to_string(w);
    stage.group = register_module("group" + std::to_string(groupIndex),
                                  CouplingGroup(CouplingGroupOptions(s.split, s.couplings, coupling).pointwise(f.pointwise)));
    stages_.push_back(stage);
  }
  if (config.dequantizer.variational())
    dequantizer_ = register_module("dequantizer", VariationalDequantizer(config));
}

int64_t FlowPlusPlusImpl::parameterCount() const {
  int64_t n = 0;
  for (const auto& p : parameters()) n += p.numel();
  return n;
}

torch::Device FlowPlusPlusImpl::device() const { return parameters().front().device(); }

torch::ScalarType FlowPlusPlusImpl::dtype() const { return parameters().front().scalar_type(); }

torch::Tensor FlowPlusPlusImpl::toInput(const torch::Tensor& x) const {
  TORCH_CHECK(x.dim() == 4 && x.size(1) == config_.channels && x.size(2) == config_.height &&
                  x.size(3) == config_.width,
              "expected images of shape [B, ", config_.channels, ", ", config_.height, ", ", config_.width,
              "], got ", x.sizes());
  auto input = x.to(device(), dtype());
  const double maxLevel = std::ldexp(1.0, config_.nBits) - 1;
  TORCH_CHECK(input.numel() == 0 || (input.min().item<double>() >= 0 && input.max().item<double>() <= maxLevel),
              "pixel values must lie in [0, ", maxLevel, "] for ", config_.nBits, "-bit data (got [",
              input.min().item<double>(), ", ", input.max().item<double>(), "]); quantize the data first");
  return input;
}

torch::Tensor FlowPlusPlusImpl::drawNoise(int64_t n) const {
  const std::vector<int64_t> shape = {n, config_.channels, config_.height, config_.width};
  const auto options = torch::TensorOptions().device(device());
  return dequantizer_ ? normal(shape, options) : uniform(shape, options);
}

DequantOutput FlowPlusPlusImpl::dequantize(const torch::Tensor& x, const torch::Tensor& noise) {
  auto n = noise.defined() ? noise.to(x.device(), x.scalar_type()) : drawNoise(x.size(0)).to(x.scalar_type());
  TORCH_CHECK(n.sizes() == x.sizes(), "dequantization noise of shape ", n.sizes(), " for images of shape ", x.sizes());
  if (dequantizer_) return dequantizer_->forward(x, n);
  // Uniform dequantization: u is the noise, q = 1 on [0,1); float32 rand can return values that
  // round to 1 after a cast, so keep u inside its bin.
  return {n.clamp_max(1.0 - std::pow(2.0, -24)), torch::zeros_like(x)};
}

namespace {
torch::Tensor toImageLayout(torch::Tensor map, int squeezes) {
  for (int i = 0; i < squeezes; ++i) map = depthToSpace(map);
  return map;
}
}  // namespace

FlowOutput FlowPlusPlusImpl::flowForward(const torch::Tensor& y, std::vector<LikelihoodTerm>* terms,
                                         std::vector<LayerState>* states) {
  if (states) states->push_back({"x + u (dequantized)", y});
  auto pre = preprocess_->forward(y);
  if (terms) terms->push_back({"preprocessing", pre.logdet});
  if (states) states->push_back({"preprocessing", pre.out});
  auto h = pre.out;
  auto logdet = pre.logdet;  // accumulated in the current layout
  int squeezes = 0;
  for (auto& s : stages_) {
    if (s.squeeze) {
      h = spaceToDepth(h);
      logdet = spaceToDepth(logdet);
      ++squeezes;
      if (states) states->push_back({"squeeze", h});
      continue;
    }
    std::vector<FlowOutput> steps;
    auto r = s.group->forward(h, {}, states ? &steps : nullptr);
    h = r.out;
    logdet = logdet + r.logdet;
    if (terms) terms->push_back({s.name, toImageLayout(r.logdet, squeezes)});
    for (size_t k = 0; k < steps.size(); ++k) {  // each coupling step's own share of the group's log-det
      auto own = k == 0 ? steps[k].logdet : steps[k].logdet - steps[k - 1].logdet;
      states->push_back({s.name + " · coupling " + std::to_string(k + 1) + "/" + std::to_string(steps.size()), steps[k].out,
                         toImageLayout(own, squeezes)});
    }
  }
  return {h, toImageLayout(logdet, squeezes)};
}

FlowOutput FlowPlusPlusImpl::flowInverse(const torch::Tensor& z, InverseContext& inv, std::vector<LayerState>* states) {
  auto h = z;
  torch::Tensor logdet = torch::zeros_like(z);
  if (states) states->push_back({"z (latent)", z});
  for (auto it = stages_.rbegin(); it != stages_.rend(); ++it) {
    if (it->squeeze) {
      h = depthToSpace(h);
      logdet = depthToSpace(logdet);
      if (states) states->push_back({"undo squeeze", h});
      continue;
    }
    std::vector<torch::Tensor> steps;
    std::vector<double> iterations;
    auto r = it->group->inverse(h, inv, {}, states ? &steps : nullptr, states ? &iterations : nullptr);
    h = r.out;
    logdet = logdet + r.logdet;
    for (size_t k = 0; k < steps.size(); ++k)  // the last coupling is undone first
      states->push_back({"undo " + it->name + " · coupling " + std::to_string(steps.size() - k) + "/" + std::to_string(steps.size()),
                         steps[k], {}, iterations[k]});
  }
  auto pre = preprocess_->inverse(h);
  if (states) states->push_back({"undo preprocessing: x + u", pre.out});
  return {pre.out, logdet + pre.logdet};
}

// The per-pixel decomposition. Every term below is an elementwise map in image layout:
//  - prior: log N(z_i) of each latent element, carried back through the squeezes (permutations);
//  - each coupling group: the log-dets of its ActNorms and couplings are elementwise already, and a
//    1x1 convolution's log|det W| is shared equally by the channels of each position; the two halves'
//    maps are merged with the group's own split, so they land on the sub-pixels they came from;
//  - preprocessing: the logit's Jacobian of each sub-pixel;
//  - dequantization: -log q(u|x) of the noise flow, per element of the noise (same layout as x).
// Their sum over all sub-pixels is exactly the image's bound log p(x+u) - log q(u|x).
Likelihood FlowPlusPlusImpl::logLikelihood(const torch::Tensor& x, bool withTerms, const torch::Tensor& noise,
                                           std::vector<LayerState>* states) {
  auto input = toInput(x);
  auto dq = dequantize(input, noise);
  Likelihood out;
  auto r = flowForward(input + dq.u, withTerms ? &out.terms : nullptr, states);
  int squeezes = 0;
  for (const auto& s : stages_) squeezes += s.squeeze;
  auto prior = toImageLayout(standardNormalLogProb(r.out), squeezes);
  if (withTerms) {
    out.terms.insert(out.terms.begin(), {"prior", prior});
    out.terms.push_back({"dequantization", -dq.logq});
  }
  out.logp = sumPerSample(prior + r.logdet - dq.logq);
  return out;
}

BoundEstimate FlowPlusPlusImpl::importanceWeighted(const torch::Tensor& x, int k) {
  TORCH_CHECK(k >= 1, "importance samples must be >= 1");
  torch::NoGradGuard noGrad;
  std::vector<torch::Tensor> samples;
  for (int i = 0; i < k; ++i) samples.push_back(logLikelihood(x).logp.to(torch::kDouble));
  auto r = torch::stack(samples);  // [k, B] log-ratios log p(x+u_i) - log q(u_i|x)
  return {r.mean(0), torch::logsumexp(r, 0) - std::log(static_cast<double>(k))};
}

torch::Tensor FlowPlusPlusImpl::bitsPerDim(const torch::Tensor& logp) const {
  return -logp / (static_cast<double>(dims()) * std::log(2.0));
}

void FlowPlusPlusImpl::dataInit(const torch::Tensor& x) {
  const bool wasTraining = is_training();
  eval();  // no dropout while measuring statistics
  {
    torch::NoGradGuard noGrad;
    DataInitGuard guard;
    logLikelihood(x);
  }
  train(wasTraining);
}

torch::Tensor FlowPlusPlusImpl::encode(const torch::Tensor& x) {
  torch::NoGradGuard noGrad;
  return flowForward(toInput(x) + 0.5).out;
}

DecodeResult FlowPlusPlusImpl::decode(const torch::Tensor& z, const InverseOptions& options) {
  torch::NoGradGuard noGrad;
  InverseContext inv{options};
  auto y = flowInverse(z.to(device(), dtype()), inv).out;
  const double maxLevel = std::ldexp(1.0, config_.nBits) - 1;
  return {torch::floor(y).clamp(0, maxLevel), inv.meanIterations(), inv.allConverged};
}

torch::Tensor FlowPlusPlusImpl::sampleLatent(int64_t n, double temperature, uint64_t seed) const {
  int64_t c = config_.channels, h = config_.height, w = config_.width;
  for (const auto& s : stages_)
    if (s.squeeze) c *= 4, h /= 2, w /= 2;
  auto gen = at::detail::createCPUGenerator(seed);
  return torch::randn({n, c, h, w}, gen, torch::kFloat) * temperature;
}

DecodeResult FlowPlusPlusImpl::sample(int64_t n, double temperature, uint64_t seed, const InverseOptions& options) {
  return decode(sampleLatent(n, temperature, seed), options);
}

FlowPlusPlus buildModel(const ModelConfig& config, uint64_t seed) {
  requireMemory(estimateFootprint(config, 0).parameterBytes, "the weights of '" + config.name + "'");
  RandomScope scope(mixSeed({seed, 0x1417}));
  return FlowPlusPlus(config);
}

}  // namespace flowpp
