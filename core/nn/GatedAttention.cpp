#include "nn/GatedAttention.h"

#include <cmath>

#include "nn/ConvLayout.h"
#include "nn/FlopCounter.h"
#include "nn/FusedAttention.h"
#include "nn/GatedResidual.h"
#include "util/Random.h"

namespace flowpp {

GatedAttentionImpl::GatedAttentionImpl(const GatedAttentionOptions& o) : options_(o) {
  TORCH_CHECK(o.filters() % o.heads() == 0, "attention: filters (", o.filters(),
              ") must be divisible by heads (", o.heads(), ")");
  const auto f = o.filters();
  qkv_ = register_module("qkv", DdiConv2d(DdiConv2dOptions(f, 3 * f, 1).weightNorm(o.weightNorm())));
  gate_ = register_module("gate",
                          DdiConv2d(DdiConv2dOptions(f, 2 * f, 1).initScale(0.1).weightNorm(o.weightNorm())));
}

torch::Tensor GatedAttentionImpl::attend(const torch::Tensor& qkv) const {
  const auto b = qkv.size(0), f = options_.filters(), h = qkv.size(2), w = qkv.size(3);
  const auto heads = options_.heads(), d = f / heads, n = h * w;
  // [B, 3F, H, W] -> three [B * heads, N, d]
  auto parts = qkv.view({b, 3, heads, d, n}).permute({1, 0, 2, 4, 3}).reshape({3, b * heads, n, d});
  FlopCounter::add(4.0 * b * heads * n * n * d);
  FlopCounter::addExps(double(b) * heads * n * n);
  return fusedAttentionToChannels(parts[0], parts[1], parts[2], 1.0 / std::sqrt(static_cast<double>(d)), b, h, w,
                                  denseFormat(qkv));
}

torch::Tensor GatedAttentionImpl::forward(const torch::Tensor& x, const torch::Tensor& posEmb) {
  auto qkv = qkv_->forward(posEmb.defined() ? x + posEmb : x);
  torch::Tensor c;
  if (options_.selfAttention()) {
    c = attend(qkv);
  } else {
    c = std::get<0>(qkv.view({qkv.size(0), 3, options_.filters(), qkv.size(2), qkv.size(3)}).max(1));
  }
  c = flowpp::dropout(c, options_.dropout(), is_training());
  return gatedResidual(x, gate_->forward(c));
}

}  // namespace flowpp
