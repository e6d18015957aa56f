#pragma once
// Adam (Kingma & Ba) with every piece of state as a named tensor, so that a checkpoint holds the
// exact optimiser state and --resume continues bit for bit. Defaults are TF's, as in Flow++.
#include <torch/torch.h>

#include "model/Checkpoint.h"

namespace flowpp {

class Adam {
 public:
  Adam(const torch::nn::Module& module, double beta1 = 0.9, double beta2 = 0.999, double eps = 1e-8);
  void step(double learningRate);
  int64_t steps() const { return steps_; }
  void saveTo(TensorMap& out) const;  // "adam_m/<name>", "adam_v/<name>", "adam_steps"
  void loadFrom(const TensorMap& in, const std::string& source);

 private:
  std::vector<std::pair<std::string, torch::Tensor>> params_;
  std::vector<torch::Tensor> m_, v_;
  double beta1_, beta2_, eps_;
  int64_t steps_ = 0;
};

// Scales all gradients so their global L2 norm is at most maxNorm; returns the norm before clipping.
double clipGradNorm(const torch::nn::Module& module, double maxNorm);

}  // namespace flowpp
