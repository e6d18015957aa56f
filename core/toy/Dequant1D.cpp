#include "toy/Dequant1D.h"

#include <cmath>
#include <stdexcept>
#include <string>

#include <torch/torch.h>

#include "util/Random.h"

namespace flowpp {

namespace {
constexpr auto kF64 = torch::kDouble;
constexpr int kQuadrature = 2048;  // deterministic draws for the reported bound (no Monte Carlo noise)

// p(v): a mixture of logistics with logits, means and log-scales.
struct Density1D {
  torch::Tensor logits, means, logScales;

  explicit Density1D(int levels, int components) {
    logits = torch::zeros({components}, kF64).requires_grad_();
    means = torch::linspace(0.5, levels - 0.5, components, kF64).requires_grad_();
    logScales = torch::full({components}, std::log(0.5 * levels / components), kF64).requires_grad_();
  }
  std::vector<torch::Tensor> parameters() const { return {logits, means, logScales}; }

  torch::Tensor logPdf(const torch::Tensor& v) const {  // v: [N] -> [N]
    auto z = (v.unsqueeze(1) - means) * torch::exp(-logScales);
    auto logComponent = -z - logScales - 2 * torch::softplus(-z);
    return torch::logsumexp(logComponent + torch::log_softmax(logits, 0), 1);
  }
  torch::Tensor cdf(const torch::Tensor& v) const {
    auto z = (v.unsqueeze(1) - means) * torch::exp(-logScales);
    return (torch::sigmoid(z) * torch::softmax(logits, 0)).sum(1);
  }
};

// q(u|x): u = sigmoid(m_x + exp(s_x) * eps), eps ~ N(0, 1): a logit-normal per level.
struct Noise1D {
  torch::Tensor m, s;

  explicit Noise1D(int levels) {
    m = torch::zeros({levels}, kF64).requires_grad_();
    s = torch::zeros({levels}, kF64).requires_grad_();
  }
  std::vector<torch::Tensor> parameters() const { return {m, s}; }

  // u and log q(u|x) for levels x [N] and standard normal eps [N].
  std::pair<torch::Tensor, torch::Tensor> sample(const torch::Tensor& x, const torch::Tensor& eps) const {
    auto mx = m.index_select(0, x), sx = s.index_select(0, x);
    auto h = mx + torch::exp(sx) * eps;
    return {torch::sigmoid(h), logDensity(eps, sx, h)};
  }

  // log q(u|x) with h = logit(u) = m_x + exp(s_x) eps: log N(eps) - s_x - log|du/dh|, where
  // log|du/dh| = log sigmoid(h) + log sigmoid(-h).
  static torch::Tensor logDensity(const torch::Tensor& eps, const torch::Tensor& sx, const torch::Tensor& h) {
    return -0.5 * eps.pow(2) - 0.5 * std::log(2 * M_PI) - sx - (torch::log_sigmoid(h) + torch::log_sigmoid(-h));
  }
};

// Data probabilities with real structure (some levels rare, some common), fixed by the seed.
torch::Tensor dataDistribution(int levels) {
  auto w = torch::exp(2.0 * normal({levels}, torch::TensorOptions().dtype(kF64)));
  return w / w.sum();
}

// log p(x+u) - log q(u|x) for every level x and the given per-level eps/uniform draws [L, D].
torch::Tensor logRatios(const Density1D& p, const Noise1D* q, const torch::Tensor& draws) {
  const int64_t levels = draws.size(0), d = draws.size(1);
  auto x = torch::arange(levels, torch::kLong).repeat_interleave(d);
  auto flat = draws.reshape({-1});
  if (!q) return p.logPdf(x.to(kF64) + flat).view({levels, d});
  auto [u, logq] = q->sample(x, flat);
  return (p.logPdf(x.to(kF64) + u) - logq).view({levels, d});
}

void fit(Density1D& p, Noise1D* q, const torch::Tensor& probs, const Dequant1DOptions& o, const std::function<bool(int, int)>& progress,
         int offset, bool& cancelled) {
  auto params = p.parameters();
  if (q)
    for (auto& t : q->parameters()) params.push_back(t);
  torch::optim::Adam adam(params, torch::optim::AdamOptions(0.03));
  const auto f64 = torch::TensorOptions().dtype(kF64);
  for (int step = 0; step < o.steps && !cancelled; ++step) {
    auto draws = q ? normal({o.levels, o.drawsPerLevel}, f64) : uniform({o.levels, o.drawsPerLevel}, f64);
    auto loss = -(logRatios(p, q, draws).mean(1) * probs).sum();
    adam.zero_grad();
    loss.backward();
    adam.step();
    if (progress && step % 20 == 19 && !progress(offset + step + 1, 2 * o.steps)) cancelled = true;
  }
}

Dequant1DFit describe(const std::string& name, const Density1D& p, const Noise1D* q, const torch::Tensor& probs, const Dequant1DReport& r) {
  torch::NoGradGuard noGrad;
  Dequant1DFit f;
  f.name = name;
  const int levels = int(probs.size(0));
  auto toVector = [](const torch::Tensor& t) {
    auto c = t.contiguous();
    return std::vector<double>(c.data_ptr<double>(), c.data_ptr<double>() + c.numel());
  };
  f.density = toVector(torch::exp(p.logPdf(torch::tensor(r.v, kF64))));
  auto edges = torch::arange(levels + 1, kF64);
  auto cdf = p.cdf(edges);
  auto mass = (cdf.slice(0, 1) - cdf.slice(0, 0, levels)).clamp_min(1e-300);
  f.levelMass = toVector(mass);
  f.exactBits = -(probs * torch::log(mass)).sum().item<double>() / std::log(2.0);
  // The bound by midpoint quadrature over the noise's quantiles: u_i = (i + 1/2) / N, or for q the
  // normal quantiles eps_i = sqrt(2) erfinv(2 u_i - 1).
  auto quantiles = (torch::arange(kQuadrature, kF64) + 0.5) / kQuadrature;
  auto draws = (q ? std::sqrt(2.0) * torch::erfinv(2 * quantiles - 1) : quantiles).expand({levels, kQuadrature});
  f.boundBits = -(logRatios(p, q, draws).mean(1) * probs).sum().item<double>() / std::log(2.0);
  if (q) {
    auto u = torch::tensor(r.u, kF64);
    auto h = torch::log(u) - torch::log1p(-u);
    for (int x = 0; x < levels; ++x) {
      auto sx = q->s[x], eps = (h - q->m[x]) * torch::exp(-sx);
      f.noiseDensity.push_back(toVector(torch::exp(Noise1D::logDensity(eps, sx, h))));
    }
  }
  return f;
}
}  // namespace

void validateDequant1DOptions(const Dequant1DOptions& o) {
  auto check = [](bool ok, const std::string& what) {
    if (!ok) throw std::invalid_argument("1-D dequantization: " + what);
  };
  check(o.levels >= 2 && o.levels <= 64, "levels must be 2 to 64, got " + std::to_string(o.levels));
  check(o.components >= 1 && o.components <= 64, "components must be 1 to 64, got " + std::to_string(o.components));
  check(o.steps >= 1 && o.steps <= 100000, "steps must be 1 to 100000, got " + std::to_string(o.steps));
  check(o.drawsPerLevel >= 1 && o.drawsPerLevel <= 4096, "draws per level must be 1 to 4096, got " + std::to_string(o.drawsPerLevel));
}

Dequant1DReport fitDequant1D(const Dequant1DOptions& o, const std::function<bool(int, int)>& progress) {
  validateDequant1DOptions(o);
  RandomScope scope(o.seed);
  Dequant1DReport r;
  auto probs = dataDistribution(o.levels);
  r.dataProbs.assign(probs.data_ptr<double>(), probs.data_ptr<double>() + o.levels);
  r.entropyBits = -(probs * torch::log2(probs)).sum().item<double>();
  for (int i = 0; i <= 40 * o.levels; ++i) r.v.push_back(o.levels * double(i) / (40 * o.levels));
  for (int i = 0; i < 200; ++i) r.u.push_back((i + 0.5) / 200);

  Density1D uniformModel(o.levels, o.components), variationalModel(o.levels, o.components);
  Noise1D noise(o.levels);
  fit(uniformModel, nullptr, probs, o, progress, 0, r.cancelled);
  fit(variationalModel, &noise, probs, o, progress, o.steps, r.cancelled);
  r.uniform = describe("uniform", uniformModel, nullptr, probs, r);
  r.variational = describe("variational", variationalModel, &noise, probs, r);
  return r;
}

}  // namespace flowpp
