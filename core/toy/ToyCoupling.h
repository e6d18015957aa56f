#pragma once
// One coupling of the 2-D flow: the coordinate `cond` sets, through a small MLP, the parameters of
// an elementwise transform of the other coordinate x:
//  - mixture of logistics (Flow++, paper eq. 7): y = e^a * logit(MixLogCDF(x; pi, mu, s)) + b;
//  - affine (RealNVP, the paper's ablation): y = e^a * x + b.
// a = tanh(.) in both. The MLP's last layer starts near zero: an affine coupling starts near the
// identity, a mixture one near a fixed monotone map whose components sit at different means.
#include <torch/torch.h>

#include "math/MixLogistic.h"

namespace flowpp {

struct ToyCouplingOptions {
  TORCH_ARG(int64_t, hidden) = 32;
  TORCH_ARG(int64_t, components) = 8;  // 0 = affine
};

struct ToyCouplingOutput {
  torch::Tensor y;       // [B]
  torch::Tensor logdet;  // [B] log |dy/dx|
  int iterations = 0;    // inverse only: Newton iterations of the mixture inversion
};

class ToyCouplingImpl : public torch::nn::Module {
 public:
  explicit ToyCouplingImpl(const ToyCouplingOptions& options);
  ToyCouplingOutput forward(const torch::Tensor& x, const torch::Tensor& cond);
  ToyCouplingOutput inverse(const torch::Tensor& y, const torch::Tensor& cond, const InverseOptions& options = {});
  bool isMixture() const { return options_.components() > 0; }

  // Parameters of the MLP for a given width and number of outputs (for matching two flows' sizes).
  static int64_t parameterCount(int64_t hidden, int64_t components);

 private:
  torch::Tensor raw(const torch::Tensor& cond);  // [B, outputs]
  ToyCouplingOptions options_;
  torch::nn::Sequential net_{nullptr};
};
TORCH_MODULE(ToyCoupling);

}  // namespace flowpp
