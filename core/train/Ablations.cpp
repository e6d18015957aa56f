#include "train/Ablations.h"

#include <cmath>

#include "model/Footprint.h"

namespace flowpp {

namespace {
// Largest head count <= wanted that divides the filters (attention needs filters % heads == 0).
int headsFor(int filters, int wanted) {
  for (int h = wanted; h > 1; --h)
    if (filters % h == 0) return h;
  return 1;
}

// Widens `set(config, f)` over f in [from, 2 * from] and keeps the count closest to `target`.
template <typename Set>
ModelConfig widen(ModelConfig config, int from, int64_t target, Set set) {
  ModelConfig best = config;
  int64_t bestGap = std::llabs(parameterCount(config) - target);
  for (int f = from + 1; f <= 2 * from; ++f) {
    auto c = config;
    set(c, f);
    const int64_t n = parameterCount(c), gap = std::llabs(n - target);
    if (gap < bestGap) best = c, bestGap = gap;
    if (n > target) break;  // counts grow with f: nothing further is closer
  }
  return best;
}
}  // namespace

std::vector<AblationVariant> ablationVariants(const ModelConfig& full, double tolerance) {
  const int64_t target = parameterCount(full);
  auto within = [&](const ModelConfig& c) {
    return std::abs(double(parameterCount(c)) / target - 1.0) <= tolerance;
  };
  std::vector<AblationVariant> out;
  out.push_back({"full", full, target});

  auto setFlowFilters = [&](ModelConfig& c, int f) {
    c.flow.net.filters = f;
    c.flow.net.heads = headsFor(f, full.flow.net.heads);
  };
  auto uniform = full;
  uniform.name = full.name + "-uniform-dequant";
  uniform.dequantizer.type = "uniform";
  uniform = widen(uniform, full.flow.net.filters, target, setFlowFilters);
  out.push_back({"uniform-dequant", uniform, parameterCount(uniform)});

  auto affine = full;
  affine.name = full.name + "-affine";
  affine.flow.coupling = affine.dequantizer.coupling = "affine";
  affine = widen(affine, full.flow.net.filters, target, setFlowFilters);
  if (!within(affine) && affine.dequantizer.variational())  // then the dequantizer's width
    affine = widen(affine, affine.dequantizer.net.filters, target, [&](ModelConfig& c, int f) {
      c.dequantizer.net.filters = f;
      c.dequantizer.net.heads = headsFor(f, full.dequantizer.net.heads);
    });
  out.push_back({"affine", affine, parameterCount(affine)});

  // The official ablation replaces attention by a position-wise maxout MLP of the same size.
  auto noAttention = full;
  noAttention.name = full.name + "-no-attention";
  auto replace = [](AttentionMode m) { return m == AttentionMode::Self ? AttentionMode::Pointwise : m; };
  noAttention.flow.net.attention = replace(noAttention.flow.net.attention);
  for (auto& s : noAttention.flow.stages)
    if (s.attention) s.attention = replace(*s.attention);
  noAttention.dequantizer.net.attention = replace(noAttention.dequantizer.net.attention);
  out.push_back({"no-attention", noAttention, parameterCount(noAttention)});
  for (auto& v : out) v.config.description = "Ablation variant '" + v.name + "' of " + full.name;
  out.front().config.description = full.description;
  return out;
}

}  // namespace flowpp
