#include "model/Footprint.h"

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <sstream>

namespace flowpp {

namespace {

// Parameter counts of the modules, mirroring their constructors (a test checks every shipped
// config against the built model).
int64_t conv(int64_t in, int64_t out, int64_t k, bool weightNorm) { return out * in * k * k + out * (weightNorm ? 2 : 1); }

int64_t gatedConv(int64_t f, int64_t context, bool wn) {
  return conv(2 * f, f, 3, wn) + (context > 0 ? conv(2 * context, f, 1, wn) : 0) + conv(2 * f, 2 * f, 1, wn);
}

int64_t conditioner(int64_t in, int64_t out, int64_t h, int64_t w, const ConditionerOptions& o) {
  const int64_t f = o.filters;
  int64_t block = gatedConv(f, o.contextChannels, o.weightNorm) + 2 * f;  // + layer norm
  if (o.attention != AttentionMode::None) block += conv(f, 3 * f, 1, o.weightNorm) + conv(f, 2 * f, 1, o.weightNorm) + 2 * f;
  int64_t n = conv(in, f, 3, o.weightNorm) + o.blocks * block + conv(f, out, 3, o.weightNorm);
  if (o.attention != AttentionMode::None && o.blocks > 0) n += f * h * w;  // position embedding
  return n;
}

struct Shape {
  int64_t c, h, w;
};

Shape half(SplitType split, Shape s) { return split == SplitType::Channel ? Shape{s.c / 2, s.h, s.w} : Shape{s.c, s.h, s.w / 2}; }

int64_t couplingGroup(SplitType split, int couplings, Shape full, bool pointwise, bool affine, int components,
                      const ConditionerOptions& net) {
  const Shape s = half(split, full);
  const int64_t out = affine ? 2 * s.c : s.c * (2 + 3 * int64_t(components));
  const int64_t step = 4 * s.c * s.h * s.w + (pointwise ? 2 * s.c * s.c : 0) + conditioner(s.c, out, s.h, s.w, net);
  return couplings * step;
}

}  // namespace

int64_t parameterCount(const ModelConfig& c) {
  int64_t n = 0;
  Shape s{c.channels, c.height, c.width};
  for (const auto& stage : c.flow.stages) {
    if (stage.squeeze) {
      s = {s.c * 4, s.h / 2, s.w / 2};
      continue;
    }
    auto net = c.flow.net;
    net.attention = c.flow.attentionOf(stage);
    net.contextChannels = 0;
    n += couplingGroup(stage.split, stage.couplings, s, c.flow.pointwise, c.flow.coupling == "affine", c.flow.components, net);
  }
  const auto& d = c.dequantizer;
  if (d.variational()) {
    const int64_t ctx = d.net.contextChannels;
    n += conv(2 * c.channels, ctx, 3, false) + d.contextBlocks * gatedConv(ctx, 0, false);
    auto net = d.net;
    net.weightNorm = false;
    n += couplingGroup(SplitType::Stripe, d.couplings, {c.channels, c.height, c.width}, true, d.coupling == "affine",
                       d.components, net);
  }
  return n;
}

Footprint estimateFootprint(const ModelConfig& c, int64_t batch) {
  // Activations kept for backward per position of a coupling's half: about 40 filter-sized tensors
  // per conditioner block (gated conv, layer norms, fused attention's q/k/v/out and gates) plus ten
  // copies of the mixture parameters; measured within a factor of two on the shipped configs.
  double trainPerImage = 0, evalPerImage = 0;
  auto addGroup = [&](Shape s, int couplings, const ConditionerOptions& net, int64_t outPerChannel) {
    const double positions = double(s.h) * s.w;
    const double perCoupling = positions * (net.blocks * 40.0 * net.filters + 10.0 * s.c * outPerChannel);
    trainPerImage += couplings * perCoupling;
    evalPerImage = std::max(evalPerImage, 2 * perCoupling / std::max(1, net.blocks));
  };
  Shape s{c.channels, c.height, c.width};
  for (const auto& stage : c.flow.stages) {
    if (stage.squeeze) {
      s = {s.c * 4, s.h / 2, s.w / 2};
      continue;
    }
    const Shape h = half(stage.split, s);
    addGroup(h, stage.couplings, c.flow.net, c.flow.coupling == "affine" ? 2 : 2 + 3 * c.flow.components);
  }
  if (c.dequantizer.variational())
    addGroup(half(SplitType::Stripe, {c.channels, c.height, c.width}), c.dequantizer.couplings, c.dequantizer.net,
             c.dequantizer.coupling == "affine" ? 2 : 2 + 3 * c.dequantizer.components);
  Footprint f;
  f.parameters = parameterCount(c);
  f.parameterBytes = 4.0 * f.parameters;
  f.trainingBytes = 5 * f.parameterBytes + 4.0 * batch * trainPerImage;
  f.evaluationBytes = f.parameterBytes + 4.0 * batch * evalPerImage;
  return f;
}

double availableMemoryBytes() {
  std::ifstream in("/proc/meminfo");
  std::string key;
  double kib = 0;
  std::string unit;
  while (in >> key >> kib >> unit)
    if (key == "MemAvailable:") return kib * 1024.0;
  return 1e18;
}

std::string formatBytes(double bytes) {
  char s[32];
  if (bytes >= 1024.0 * 1024 * 1024) std::snprintf(s, sizeof s, "%.1f GiB", bytes / (1024.0 * 1024 * 1024));
  else std::snprintf(s, sizeof s, "%.0f MiB", bytes / (1024.0 * 1024));
  return s;
}

void requireMemory(double bytes, const std::string& what) {
  const double available = availableMemoryBytes();
  if (bytes > available)
    throw ResourceError(what + " needs about " + formatBytes(bytes) + " but only " + formatBytes(available) +
                        " of memory are available; use a smaller config or batch");
}

}  // namespace flowpp
