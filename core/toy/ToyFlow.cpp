#include "toy/ToyFlow.h"

#include <cmath>

#include "util/Random.h"

namespace flowpp {

ToyFlowImpl::ToyFlowImpl(const ToyFlowOptions& options) : options_(options) {
  for (int i = 0; i < options.layers; ++i) {
    const auto n = std::to_string(i);
    Layer l;
    l.logScale = register_parameter("log_scale" + n, torch::zeros({2}));
    l.bias = register_parameter("bias" + n, torch::zeros({2}));
    if (options.split == ToySplit::Rotation) l.angle = register_parameter("angle" + n, torch::full({1}, 0.7 * (i + 1)));
    l.coupling = register_module("coupling" + n, ToyCoupling(ToyCouplingOptions().hidden(options.hidden).components(options.components)));
    layers_.push_back(l);
  }
}

std::pair<int64_t, int64_t> ToyFlowImpl::coordinates(size_t layer) const {
  if (options_.split == ToySplit::Rotation) return {1, 0};
  return layer % 2 == 0 ? std::pair<int64_t, int64_t>{1, 0} : std::pair<int64_t, int64_t>{0, 1};
}

torch::Tensor ToyFlowImpl::rotation(const Layer& layer) const {
  auto c = torch::cos(layer.angle), s = torch::sin(layer.angle);
  return torch::stack({torch::cat({c, -s}), torch::cat({s, c})});
}

ToyFlowResult ToyFlowImpl::forward(const torch::Tensor& x, std::vector<torch::Tensor>* trace) {
  auto h = x;
  auto logdet = torch::zeros({x.size(0)}, x.options());
  if (trace) trace->push_back(h);
  for (size_t i = 0; i < layers_.size(); ++i) {
    auto& l = layers_[i];
    h = (h + l.bias) * torch::exp(l.logScale);
    logdet = logdet + l.logScale.sum();
    if (l.angle.defined()) h = torch::matmul(h, rotation(l).t());  // |det R| = 1
    const auto [t, c] = coordinates(i);
    auto r = l.coupling->forward(h.select(1, t), h.select(1, c));
    h = t == 1 ? torch::stack({h.select(1, 0), r.y}, 1) : torch::stack({r.y, h.select(1, 1)}, 1);
    logdet = logdet + r.logdet;
    if (trace) trace->push_back(h);
  }
  return {h, logdet};
}

ToyInverseResult ToyFlowImpl::inverse(const torch::Tensor& z, bool withTrace) {
  ToyInverseResult out;
  auto h = z;
  if (withTrace) out.trace.push_back(h);
  int64_t iterations = 0, inversions = 0;
  for (size_t k = layers_.size(); k-- > 0;) {
    auto& l = layers_[k];
    const auto [t, c] = coordinates(k);
    auto r = l.coupling->inverse(h.select(1, t), h.select(1, c));
    if (l.coupling->isMixture()) iterations += r.iterations, ++inversions;
    h = t == 1 ? torch::stack({h.select(1, 0), r.y}, 1) : torch::stack({r.y, h.select(1, 1)}, 1);
    if (l.angle.defined()) h = torch::matmul(h, rotation(l));  // R^-1 = R^T
    h = h * torch::exp(-l.logScale) - l.bias;
    if (withTrace) out.trace.push_back(h);
  }
  out.x = h;
  out.meanIterations = inversions ? double(iterations) / inversions : 0.0;
  return out;
}

torch::Tensor ToyFlowImpl::logProb(const torch::Tensor& x) {
  auto r = forward(x);
  const double logTwoPi = std::log(2 * std::acos(-1.0));
  return -0.5 * (r.z * r.z).sum(1) - logTwoPi + r.logdet;
}

ToyInverseResult ToyFlowImpl::sample(int64_t n) {
  torch::NoGradGuard noGrad;
  return inverse(normal({n, 2}));
}

void ToyFlowImpl::dataInit(const torch::Tensor& x) {
  torch::NoGradGuard noGrad;
  auto h = x;
  for (size_t i = 0; i < layers_.size(); ++i) {
    auto& l = layers_[i];
    l.bias.copy_(-h.mean(0));
    l.logScale.copy_(-torch::log(h.std(0) + 1e-6));
    h = (h + l.bias) * torch::exp(l.logScale);
    if (l.angle.defined()) h = torch::matmul(h, rotation(l).t());
    const auto [t, c] = coordinates(i);
    auto r = l.coupling->forward(h.select(1, t), h.select(1, c));
    h = t == 1 ? torch::stack({h.select(1, 0), r.y}, 1) : torch::stack({r.y, h.select(1, 1)}, 1);
  }
}

int64_t ToyFlowImpl::parameterCount() const {
  int64_t n = 0;
  for (const auto& p : parameters()) n += p.numel();
  return n;
}

int64_t ToyFlowImpl::parameterCount(const ToyFlowOptions& o) {
  const int64_t perLayer = 4 + (o.split == ToySplit::Rotation ? 1 : 0) + ToyCouplingImpl::parameterCount(o.hidden, o.components);
  return o.layers * perLayer;
}

ToyFlowOptions matchedAffineOptions(const ToyFlowOptions& mixture) {
  auto affine = mixture;
  affine.components = 0;
  const int64_t goal = ToyFlowImpl::parameterCount(mixture);
  auto gap = [&](int h) {
    affine.hidden = h;
    return std::llabs(ToyFlowImpl::parameterCount(affine) - goal);
  };
  int best = 1;
  for (int h = 2; h <= 4096 && gap(h) <= gap(best); ++h) best = h;  // the count grows with the width
  affine.hidden = best;
  return affine;
}

}  // namespace flowpp
