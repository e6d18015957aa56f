#include "flows/CouplingGroup.h"

#include <stdexcept>

namespace flowpp {

CouplingGroupImpl::CouplingGroupImpl(const CouplingGroupOptions& o) : options_(o) {
  const auto& full = o.coupling();
  if (o.split() == SplitType::Channel && full.channels() % 2 != 0)
    throw std::invalid_argument("channel split needs an even number of channels, got " +
                                std::to_string(full.channels()));
  if (o.split() != SplitType::Channel && full.width() % 2 != 0)
    throw std::invalid_argument(toString(o.split()) + " split needs an even width, got " +
                                std::to_string(full.width()));
  auto [c, h, w] = halfShape(o.split(), full.channels(), full.height(), full.width());
  auto half = full;
  half.channels(c).height(h).width(w);
  for (int64_t i = 0; i < o.couplings(); ++i) {
    const auto n = std::to_string(i);
    Step s;
    s.normA = register_module("norm_a" + n, ActNorm(c, h, w));
    s.normB = register_module("norm_b" + n, ActNorm(c, h, w));
    if (o.pointwise()) {
      s.convA = register_module("conv_a" + n, InvConv1x1(c));
      s.convB = register_module("conv_b" + n, InvConv1x1(c));
    }
    s.coupling = register_module("coupling" + n, makeCoupling(half));
    steps_.push_back(std::move(s));
  }
}

namespace {
// Applies one elementwise layer to a half and accumulates its log-det map.
template <typename Layer>
void applyLayer(Layer& layer, torch::Tensor& x, torch::Tensor& logdet, bool inverse) {
  if (!layer) return;
  auto r = inverse ? layer->inverse(x) : layer->forward(x);
  x = r.out;
  logdet = logdet + r.logdet;
}
}  // namespace

FlowOutput CouplingGroupImpl::forward(const torch::Tensor& x, const torch::Tensor& context, std::vector<FlowOutput>* steps) {
  auto [a, b] = splitHalves(x, options_.split());
  auto ldA = torch::zeros_like(a), ldB = torch::zeros_like(b);
  for (size_t i = 0; i < steps_.size(); ++i) {
    auto& s = steps_[i];
    applyLayer(s.normA, a, ldA, false);
    applyLayer(s.normB, b, ldB, false);
    applyLayer(s.convA, a, ldA, false);
    applyLayer(s.convB, b, ldB, false);
    auto r = s.coupling->forward(b, a, context);
    b = r.out;
    ldB = ldB + r.logdet;
    std::swap(a, b);  // the half swap: the next coupling transforms the other half
    std::swap(ldA, ldB);
    if (steps) {
      const bool swapped = i % 2 == 0;  // after an odd number of swaps the halves sit in each other's places
      steps->push_back({swapped ? mergeHalves(b, a, options_.split()) : mergeHalves(a, b, options_.split()),
                        swapped ? mergeHalves(ldB, ldA, options_.split()) : mergeHalves(ldA, ldB, options_.split())});
    }
  }
  if (steps_.size() % 2 == 1) {  // put the halves back in their own places before merging
    std::swap(a, b);
    std::swap(ldA, ldB);
  }
  return {mergeHalves(a, b, options_.split()), mergeHalves(ldA, ldB, options_.split())};
}

FlowOutput CouplingGroupImpl::inverse(const torch::Tensor& y, InverseContext& inv, const torch::Tensor& context,
                                      std::vector<torch::Tensor>* steps, std::vector<double>* iterations) {
  auto [a, b] = splitHalves(y, options_.split());
  auto ldA = torch::zeros_like(a), ldB = torch::zeros_like(b);
  if (steps_.size() % 2 == 1) {
    std::swap(a, b);
    std::swap(ldA, ldB);
  }
  for (auto it = steps_.rbegin(); it != steps_.rend(); ++it) {
    std::swap(a, b);
    std::swap(ldA, ldB);
    const auto before = inv.iterations, calls = inv.calls;
    auto r = it->coupling->inverse(b, a, context, inv);
    b = r.out;
    ldB = ldB + r.logdet;
    applyLayer(it->convB, b, ldB, true);
    applyLayer(it->convA, a, ldA, true);
    applyLayer(it->normB, b, ldB, true);
    applyLayer(it->normA, a, ldA, true);
    if (steps) {
      const bool swapped = (steps_.rend() - it - 1) % 2 == 1;  // undone down to step k: k swaps remain
      steps->push_back(swapped ? mergeHalves(b, a, options_.split()) : mergeHalves(a, b, options_.split()));
    }
    if (iterations) iterations->push_back(inv.calls > calls ? double(inv.iterations - before) / double(inv.calls - calls) : 0.0);
  }
  return {mergeHalves(a, b, options_.split()), mergeHalves(ldA, ldB, options_.split())};
}

}  // namespace flowpp
