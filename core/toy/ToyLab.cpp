#include "toy/ToyLab.h"

#include <cmath>
#include <stdexcept>

#include "toy/ToyFlow.h"
#include "toy/ToyTargets.h"
#include "util/HelperThread.h"
#include "util/Random.h"
#include "util/Runtime.h"

namespace flowpp {

namespace {
void require(bool ok, const std::string& what) {
  if (!ok) throw std::invalid_argument(what);
}

ToyPoints toPoints(const torch::Tensor& xy) {
  auto c = xy.detach().to(torch::kFloat).contiguous();
  return {{c.data_ptr<float>(), c.data_ptr<float>() + c.numel()}};
}

// Lines x = k and y = k for k = -4 .. 4, each as a polyline of 64 points: [18 * 64, 2].
torch::Tensor gridLinePoints() {
  auto t = torch::linspace(-kToyExtent, kToyExtent, 64);
  std::vector<torch::Tensor> lines;
  for (int k = -4; k <= 4; ++k) {
    auto v = torch::full({64}, double(k));
    lines.push_back(torch::stack({v, t}, 1));
    lines.push_back(torch::stack({t, v}, 1));
  }
  return torch::cat(lines);
}
}  // namespace

void validateToyLabOptions(const ToyLabOptions& o) {
  validateToyTarget(o.target);
  require(o.flow.layers >= 1 && o.flow.layers <= 32, "layers must be 1 to 32, got " + std::to_string(o.flow.layers));
  require(o.flow.hidden >= 2 && o.flow.hidden <= 1024, "hidden width must be 2 to 1024, got " + std::to_string(o.flow.hidden));
  require(o.flow.components >= 1 && o.flow.components <= 64, "K (mixture components) must be 1 to 64, got " + std::to_string(o.flow.components));
  require(o.learningRate > 0 && o.learningRate <= 1, "learning rate must be in (0, 1], got " + std::to_string(o.learningRate));
  require(o.batch >= 1 && o.batch <= 65536, "batch must be 1 to 65536, got " + std::to_string(o.batch));
}

struct ToyLab::Impl {
  ToyLabOptions options;
  torch::Generator generator;
  ToyFlow mixture{nullptr}, affine{nullptr};
  std::unique_ptr<torch::optim::Adam> mixtureOpt, affineOpt;
  torch::Tensor heldOut, shownData, lines;
  std::vector<double> targetDensity;
  int targetGrid = 0;
  int64_t step = 0;
  std::vector<int64_t> nllSteps;
  std::vector<double> mixtureNll, affineNll;
  double mixtureSum = 0, affineSum = 0;
  int pending = 0;
  HelperThread helper;  // the affine flow's core
  // The held-out NLL costs more than the rest of a frame: recomputed once per 50 steps.
  std::pair<int64_t, double> testNllAt[2];  // [mixture, affine]: (step, value)

  double cachedTestNll(ToyFlow& flow) {
    auto& [at, value] = testNllAt[flow.get() == mixture.get() ? 0 : 1];
    if (at == 0 || step - at >= 50 || step < at) {
      value = -flow->logProb(heldOut).mean().item<double>();
      at = std::max<int64_t>(step, 1);
    }
    return value;
  }

  explicit Impl(const ToyLabOptions& o) : options(o), generator(makeGenerator(o.seed)) {
    useOneTorchThreadHere();  // tiny operations: one core per flow beats a team per flow
    RandomScope scope(mixSeed({o.seed, 0x70}));
    heldOut = sampleToyTarget(o.target, 4096);
    shownData = sampleToyTarget(o.target, 2000);
    mixture = ToyFlow(o.flow);
    affine = ToyFlow(matchedAffineOptions(o.flow));
    auto init = sampleToyTarget(o.target, 1024);
    mixture->dataInit(init);
    affine->dataInit(init);
    mixtureOpt = std::make_unique<torch::optim::Adam>(mixture->parameters(), torch::optim::AdamOptions(o.learningRate));
    affineOpt = std::make_unique<torch::optim::Adam>(affine->parameters(), torch::optim::AdamOptions(o.learningRate));
    lines = gridLinePoints();
  }

  double trainOne(ToyFlow& flow, torch::optim::Adam& opt, const torch::Tensor& batch, const char* name) {
    opt.zero_grad();
    auto loss = -flow->logProb(batch).mean();
    if (!std::isfinite(loss.item<double>()))
      throw std::runtime_error(std::string("the ") + name + " flow's loss is not a finite number at step " +
                               std::to_string(step + 1) + ": training diverged (a lower learning rate helps)");
    loss.backward();
    torch::nn::utils::clip_grad_norm_(flow->parameters(), 100.0);
    opt.step();
    return loss.item<double>();
  }
};

ToyLab::ToyLab(const ToyLabOptions& options) {
  validateToyLabOptions(options);
  d_ = std::make_unique<Impl>(options);
}

ToyLab::~ToyLab() = default;

const ToyLabOptions& ToyLab::options() const { return d_->options; }
int64_t ToyLab::step() const { return d_->step; }

void ToyLab::train(int steps) {
  constexpr int kLogEvery = 10;
  for (int i = 0; i < steps; ++i) {
    RandomScope scope(mixSeed({d_->options.seed, uint64_t(d_->step), 0x71}));
    auto batch = sampleToyTarget(d_->options.target, d_->options.batch);
    // The two flows share nothing but the batch: each trains on its own core.
    auto affine = d_->helper.run([&] { return d_->trainOne(d_->affine, *d_->affineOpt, batch, "affine"); });
    d_->mixtureSum += d_->trainOne(d_->mixture, *d_->mixtureOpt, batch, "mixture");
    d_->affineSum += affine.get();
    ++d_->step;
    if (++d_->pending == kLogEvery) {
      d_->nllSteps.push_back(d_->step);
      d_->mixtureNll.push_back(d_->mixtureSum / kLogEvery);
      d_->affineNll.push_back(d_->affineSum / kLogEvery);
      d_->mixtureSum = d_->affineSum = 0;
      d_->pending = 0;
    }
  }
}

double ToyLab::testNll(bool mixture) const {
  torch::NoGradGuard noGrad;
  auto& flow = mixture ? d_->mixture : d_->affine;
  return -flow->logProb(d_->heldOut).mean().item<double>();
}

ToyFrame ToyLab::frame(int grid, int layer, int points) const {
  torch::NoGradGuard noGrad;
  ToyFrame f;
  f.step = d_->step;
  f.grid = grid;
  f.layers = d_->options.flow.layers;
  f.layer = std::clamp(layer, 0, f.layers);
  if (d_->targetGrid != grid) {
    d_->targetDensity = toyTargetDensity(d_->options.target, grid, mixSeed({d_->options.seed, 0x72}));
    d_->targetGrid = grid;
  }
  f.targetDensity = d_->targetDensity;
  points = std::clamp(points, 1, int(d_->shownData.size(0)));
  auto data = d_->shownData.narrow(0, 0, points);
  f.targetSamples = toPoints(data);
  f.nllSteps = d_->nllSteps;
  const auto gridPoints = toyGridPoints(grid);
  auto view = [&](ToyFlow& flow, const std::vector<double>& nll, const std::string& name) {
    ToyFlowView v;
    v.name = name;
    v.parameters = flow->parameterCount();
    v.hidden = flow->options().hidden;
    auto density = torch::exp(flow->logProb(gridPoints)).to(torch::kDouble).contiguous();
    v.density.assign(density.data_ptr<double>(), density.data_ptr<double>() + density.numel());
    RandomScope scope(mixSeed({d_->options.seed, 0x73}));  // the same latents every frame: samples move as the model learns
    auto sampled = flow->inverse(normal({points, 2}), true);
    v.samples = toPoints(sampled.x);
    v.layerSamples = toPoints(sampled.trace[f.layers - f.layer]);
    v.meanNewtonIterations = sampled.meanIterations;
    std::vector<torch::Tensor> trace, lineTrace;
    flow->forward(data, &trace);
    v.layerPoints = toPoints(trace[f.layer]);
    flow->forward(d_->lines, &lineTrace);
    for (const auto& line : lineTrace[f.layer].split(64)) v.gridLines.push_back(toPoints(line));
    v.nll = nll;
    v.testNll = d_->cachedTestNll(flow);
    return v;
  };
  auto affine = d_->helper.run([&] { return view(d_->affine, d_->affineNll, "affine"); });
  f.mixture = view(d_->mixture, d_->mixtureNll, "mixture of logistics (K=" + std::to_string(d_->options.flow.components) + ")");
  f.affine = affine.get();
  return f;
}

}  // namespace flowpp
