#include "golden/PlainFlowpp.h"

#include <cmath>
#include <stdexcept>

namespace flowpp::golden {

namespace {

using torch::indexing::Slice;
using Tensor = torch::Tensor;

const double kHalfLog2Pi = 0.5 * std::log(2.0 * M_PI);
constexpr double kMinLogScale = -7.0;  // the official clamp of the mixture's log-scales

// Per-image sum of a [B, ...] tensor.
Tensor perImage(const Tensor& t) { return t.reshape({t.size(0), -1}).sum(1); }

Tensor logNormal(const Tensor& z) { return -0.5 * z * z - kHalfLog2Pi; }

// concat_elu of PixelCNN++: [elu(x), elu(-x)] along the channels.
Tensor concatElu(const Tensor& x) { return torch::cat({torch::elu(x), torch::elu(-x)}, 1); }

// The column index of each half's elements in a row: the stripe split takes even and odd columns;
// the checkerboard split takes (i + j) even and odd, so its columns alternate with the row.
Tensor halfColumns(const std::string& split, int64_t h, int64_t w, bool second) {
  auto index = torch::empty({h, w / 2}, torch::kLong);
  for (int64_t i = 0; i < h; ++i)
    for (int64_t t = 0; t < w / 2; ++t) {
      int64_t phase = split == "checkerboard" ? i % 2 : 0;
      if (second) phase = 1 - phase;
      index[i][t] = 2 * t + phase;
    }
  return index;
}

struct Halves {
  Tensor a, b;
};

Halves split(const Tensor& x, SplitType type) {
  if (type == SplitType::Channel) {
    const int64_t c = x.size(1) / 2;
    return {x.narrow(1, 0, c), x.narrow(1, c, c)};
  }
  const std::string name = type == SplitType::Stripe ? "stripe" : "checkerboard";
  auto shape = x.sizes().vec();
  shape[3] /= 2;
  auto gatherFrom = [&](bool second) {
    return x.gather(3, halfColumns(name, x.size(2), x.size(3), second).expand(shape));
  };
  return {gatherFrom(false), gatherFrom(true)};
}

Tensor merge(const Halves& halves, SplitType type) {
  if (type == SplitType::Channel) return torch::cat({halves.a, halves.b}, 1);
  const std::string name = type == SplitType::Stripe ? "stripe" : "checkerboard";
  auto shape = halves.a.sizes().vec();
  auto out = torch::zeros({shape[0], shape[1], shape[2], shape[3] * 2}, halves.a.options());
  out.scatter_(3, halfColumns(name, shape[2], shape[3] * 2, false).expand(shape), halves.a);
  out.scatter_(3, halfColumns(name, shape[2], shape[3] * 2, true).expand(shape), halves.b);
  return out;
}

class Model {
 public:
  Model(const ModelConfig& config, const Weights& weights) : config_(config), weights_(weights) {}

  Tensor logLikelihood(const Tensor& xIn, const Tensor& noise) {
    const auto x = xIn.to(torch::kDouble);
    auto [u, logq] = dequantize(x, noise.to(torch::kDouble));
    Tensor logdet = torch::zeros({x.size(0)}, torch::kDouble);
    auto h = preprocess(x + u, logdet);
    int group = 0;
    for (const auto& stage : config_.flow.stages) {
      if (stage.squeeze) {
        h = torch::pixel_unshuffle(h, 2);  // [C, H, W] -> [4C, H/2, W/2], channel c * 4 + 2 di + dj
        continue;
      }
      auto net = config_.flow.net;
      net.attention = config_.flow.attentionOf(stage);
      h = couplingGroup("group" + std::to_string(++group), h, stage.split, stage.couplings, net,
                        config_.flow.coupling, config_.flow.components, config_.flow.pointwise, {}, logdet);
    }
    return perImage(logNormal(h)) + logdet - logq;
  }

 private:
  Tensor weight(const std::string& name) const {
    auto it = weights_.find(name);
    if (it == weights_.end()) throw std::runtime_error("golden reference: the model has no weight '" + name + "'");
    return it->second.to(torch::kDouble);
  }
  bool has(const std::string& name) const { return weights_.count(name) > 0; }

  // A convolution with "same" padding, its weight normalised per output channel when it has a gain.
  Tensor conv(const std::string& name, const Tensor& x) const {
    auto w = weight(name + ".weight");
    if (has(name + ".gain")) w = w * (weight(name + ".gain") / w.flatten(1).norm(2, 1).clamp_min(1e-12)).view({-1, 1, 1, 1});
    return torch::conv2d(x, w, weight(name + ".bias"), 1, w.size(2) / 2);
  }

  // Layer norm over the channels of each position.
  Tensor layerNorm(const std::string& name, const Tensor& x) const {
    auto mean = x.mean(1, true);
    auto var = (x - mean).pow(2).mean(1, true);
    return (x - mean) / torch::sqrt(var + 1e-5) * weight(name + ".gain") + weight(name + ".bias");
  }

  static Tensor gate(const Tensor& x, const Tensor& ab) {
    const int64_t c = x.size(1);
    return x + ab.narrow(1, 0, c) * torch::sigmoid(ab.narrow(1, c, c));
  }

  Tensor gatedConv(const std::string& name, const Tensor& x, const Tensor& context) const {
    auto h = conv(name + ".conv", concatElu(x));
    if (context.defined() && has(name + ".context_proj.weight")) h = h + conv(name + ".context_proj", concatElu(context));
    return gate(x, conv(name + ".gate", concatElu(h)));
  }

  // Multi-head self-attention (or the position-wise maxout of the ablation), gated.
  Tensor gatedAttention(const std::string& name, const Tensor& x, const Tensor& position, const ConditionerOptions& net) const {
    auto qkv = conv(name + ".qkv", position.defined() ? x + position : x);
    const int64_t f = net.filters, b = x.size(0), hgt = x.size(2), wid = x.size(3);
    Tensor c;
    if (net.attention == AttentionMode::Self) {
      const int64_t d = f / net.heads;
      std::vector<Tensor> heads;
      for (int64_t head = 0; head < net.heads; ++head) {
        auto part = [&](int64_t which) { return qkv.narrow(1, which * f + head * d, d).reshape({b, d, hgt * wid}).transpose(1, 2); };
        auto weights = torch::softmax(torch::bmm(part(0), part(1).transpose(1, 2)) / std::sqrt(double(d)), 2);
        heads.push_back(torch::bmm(weights, part(2)).transpose(1, 2).reshape({b, d, hgt, wid}));
      }
      c = torch::cat(heads, 1);
    } else {
      c = torch::max(torch::max(qkv.narrow(1, 0, f), qkv.narrow(1, f, f)), qkv.narrow(1, 2 * f, f));
    }
    return gate(x, conv(name + ".gate", c));
  }

  Tensor conditioner(const std::string& name, const Tensor& x, const Tensor& context, const ConditionerOptions& net) const {
    auto h = conv(name + ".proj_in", x);
    const Tensor position = has(name + ".pos_emb") ? weight(name + ".pos_emb") : Tensor();
    for (int i = 0; i < net.blocks; ++i) {
      const auto block = name + ".blocks." + std::to_string(i);
      h = layerNorm(block + ".conv_norm", gatedConv(block + ".conv", h, context));
      if (net.attention != AttentionMode::None) h = layerNorm(block + ".attn_norm", gatedAttention(block + ".attn", h, position, net));
    }
    return conv(name + ".proj_out", h);
  }

  // The elementwise transform of eq. 7 (mixture of K logistics) or eq. 13 (affine, K = 0).
  static Tensor couple(const Tensor& x, const Tensor& raw, int components, Tensor& logdet) {
    const int64_t b = x.size(0), c = x.size(1), h = x.size(2), w = x.size(3), K = components;
    auto p = raw.reshape({b, c, K > 0 ? 2 + 3 * K : 2, h, w});
    auto a = torch::tanh(p.select(2, 0)), shift = p.select(2, 1);
    if (K == 0) {
      logdet += perImage(a);
      return x * torch::exp(a) + shift;
    }
    auto logPi = torch::log_softmax(p.narrow(2, 2, K), 2);
    auto means = p.narrow(2, 2 + K, K), logScales = p.narrow(2, 2 + 2 * K, K).clamp_min(kMinLogScale);
    auto z = (x.unsqueeze(2) - means) * torch::exp(-logScales);
    auto logF = torch::logsumexp(logPi + torch::log_sigmoid(z), 2);
    auto log1mF = torch::logsumexp(logPi + torch::log_sigmoid(-z), 2);
    // a logistic's density: sigma(z) sigma(-z) / s
    auto logPdf = torch::logsumexp(logPi + torch::log_sigmoid(z) + torch::log_sigmoid(-z) - logScales, 2);
    logdet += perImage(logPdf - logF - log1mF + a);
    return torch::exp(a) * (logF - log1mF) + shift;
  }

  Tensor actNorm(const std::string& name, const Tensor& x, Tensor& logdet) const {
    auto logScale = weight(name + ".log_scale");
    logdet += logScale.sum() * torch::ones({x.size(0)}, torch::kDouble);
    return x * torch::exp(logScale) + weight(name + ".bias");
  }

  Tensor invConv(const std::string& name, const Tensor& x, Tensor& logdet) const {
    auto w = weight(name + ".weight");
    logdet += double(x.size(2) * x.size(3)) * torch::log(torch::abs(torch::linalg_det(w)));
    return torch::einsum("oc,bchw->bohw", {w, x});
  }

  // Couplings on one split: per step an ActNorm and a 1x1 convolution on each half, then the second
  // half transformed given the first, then the halves swap roles.
  Tensor couplingGroup(const std::string& name, const Tensor& x, SplitType type, int couplings, const ConditionerOptions& net,
                       const std::string& coupling, int components, bool pointwise, const Tensor& context, Tensor& logdet) const {
    auto [a, b] = split(x, type);
    for (int i = 0; i < couplings; ++i) {
      const auto n = std::to_string(i);
      a = actNorm(name + ".norm_a" + n, a, logdet);
      b = actNorm(name + ".norm_b" + n, b, logdet);
      if (pointwise) {
        a = invConv(name + ".conv_a" + n, a, logdet);
        b = invConv(name + ".conv_b" + n, b, logdet);
      }
      auto raw = conditioner(name + ".coupling" + n + ".net", a, context, net);
      b = couple(b, raw, coupling == "affine" ? 0 : components, logdet);
      std::swap(a, b);
    }
    if (couplings % 2 == 1) std::swap(a, b);
    return merge({a, b}, type);
  }

  // y -> logit of y scaled into [0.05, 0.95] (the official preprocessing), with its Jacobian.
  Tensor preprocess(const Tensor& y, Tensor& logdet) const {
    const double levels = std::ldexp(1.0, config_.nBits), scale = 0.9 / levels;
    auto s = y * scale + 0.05;
    logdet += perImage(std::log(scale) - torch::log(s) - torch::log1p(-s));
    return torch::log(s) - torch::log1p(-s);
  }

  std::pair<Tensor, Tensor> dequantize(const Tensor& x, const Tensor& noise) const {
    const double below1 = 1.0 - std::ldexp(1.0, -24);  // the model keeps u inside its bin in float32
    if (!config_.dequantizer.variational()) return {noise.clamp_max(below1), torch::zeros({x.size(0)}, torch::kDouble)};
    const auto& d = config_.dequantizer;
    auto halves = split(x / std::ldexp(1.0, config_.nBits) - 0.5, SplitType::Stripe);
    auto context = conv("dequantizer.context_in", torch::cat({halves.a, halves.b}, 1));
    for (int i = 0; i < d.contextBlocks; ++i) context = gatedConv("dequantizer.context_blocks." + std::to_string(i), context, {});
    auto net = d.net;
    net.weightNorm = false;
    Tensor logdet = torch::zeros({x.size(0)}, torch::kDouble);
    auto v = couplingGroup("dequantizer.flow", noise, SplitType::Stripe, d.couplings, net, d.coupling, d.components, true,
                           context, logdet);
    // u = sigmoid(v): log|du/dv| = log sigmoid(v) + log sigmoid(-v)
    auto logq = perImage(logNormal(noise)) - logdet - perImage(torch::log_sigmoid(v) + torch::log_sigmoid(-v));
    return {torch::sigmoid(v).clamp_max(below1), logq};
  }

  const ModelConfig& config_;
  const Weights& weights_;
};

}  // namespace

torch::Tensor plainLogLikelihood(const ModelConfig& config, const Weights& weights, const torch::Tensor& x,
                                 const torch::Tensor& noise) {
  torch::NoGradGuard noGrad;
  return Model(config, weights).logLikelihood(x, noise);
}

}  // namespace flowpp::golden
