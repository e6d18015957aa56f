#include "train/Adam.h"

#include <cmath>

namespace flowpp {

Adam::Adam(const torch::nn::Module& module, double beta1, double beta2, double eps)
    : beta1_(beta1), beta2_(beta2), eps_(eps) {
  for (const auto& p : module.named_parameters()) {
    params_.emplace_back(p.key(), p.value());
    m_.push_back(torch::zeros_like(p.value()));
    v_.push_back(torch::zeros_like(p.value()));
  }
}

void Adam::step(double lr) {
  torch::NoGradGuard noGrad;
  ++steps_;
  const double c1 = 1.0 - std::pow(beta1_, steps_), c2 = 1.0 - std::pow(beta2_, steps_);
  for (size_t i = 0; i < params_.size(); ++i) {
    auto& p = params_[i].second;
    if (!p.grad().defined()) continue;
    const auto& g = p.grad();
    m_[i].mul_(beta1_).add_(g, 1.0 - beta1_);
    v_[i].mul_(beta2_).addcmul_(g, g, 1.0 - beta2_);
    p.addcdiv_(m_[i], (v_[i] / c2).sqrt_().add_(eps_), -lr / c1);
  }
}

void Adam::saveTo(TensorMap& out) const {
  for (size_t i = 0; i < params_.size(); ++i) {
    out["adam_m/" + params_[i].first] = m_[i].detach().cpu().clone();
    out["adam_v/" + params_[i].first] = v_[i].detach().cpu().clone();
  }
  out["adam_steps"] = torch::tensor(steps_, torch::kLong);
}

void Adam::loadFrom(const TensorMap& in, const std::string& source) {
  for (size_t i = 0; i < params_.size(); ++i) {
    loadTensor(m_[i], in, "adam_m/" + params_[i].first, source);
    loadTensor(v_[i], in, "adam_v/" + params_[i].first, source);
  }
  auto s = in.find("adam_steps");
  if (s == in.end() || s->second.numel() != 1) throw CheckpointError(source + ": no optimiser step count");
  steps_ = s->second.item<int64_t>();
}

double clipGradNorm(const torch::nn::Module& module, double maxNorm) {
  torch::NoGradGuard noGrad;
  std::vector<torch::Tensor> norms;
  for (const auto& p : module.parameters())
    if (p.grad().defined()) norms.push_back(p.grad().to(torch::kDouble).pow(2).sum());
  if (norms.empty()) return 0.0;
  const double total = std::sqrt(torch::stack(norms).sum().item<double>());
  if (std::isfinite(total) && maxNorm > 0 && total > maxNorm)
    for (const auto& p : module.parameters())
      if (p.grad().defined()) p.grad().mul_(maxNorm / (total + 1e-6));
  return total;
}

}  // namespace flowpp
