#include "train/Ema.h"

namespace flowpp {

Ema::Ema(torch::nn::Module& module, double decay) : decay_(decay) {
  for (const auto& p : module.named_parameters()) {
    params_.emplace_back(p.key(), p.value());
    shadow_.push_back(p.value().detach().clone());
  }
}

void Ema::update(int64_t step) {
  torch::NoGradGuard noGrad;
  const double d = std::min(decay_, (1.0 + step) / (10.0 + step));
  for (size_t i = 0; i < params_.size(); ++i) shadow_[i].mul_(d).add_(params_[i].second.detach(), 1.0 - d);
}

void Ema::saveTo(TensorMap& out, const std::string& prefix) const {
  for (size_t i = 0; i < params_.size(); ++i) out[prefix + params_[i].first] = shadow_[i].detach().cpu().clone();
}

void Ema::loadFrom(const TensorMap& in, const std::string& source, const std::string& prefix) {
  for (size_t i = 0; i < params_.size(); ++i) loadTensor(shadow_[i], in, prefix + params_[i].first, source);
}

void Ema::swap() {
  torch::NoGradGuard noGrad;
  for (size_t i = 0; i < params_.size(); ++i) {
    auto tmp = params_[i].second.detach().clone();
    params_[i].second.copy_(shadow_[i]);
    shadow_[i].copy_(tmp);
  }
}

Ema::Apply::Apply(Ema& ema) : ema_(ema) { ema_.swap(); }
Ema::Apply::~Apply() { ema_.swap(); }

}  // namespace flowpp
