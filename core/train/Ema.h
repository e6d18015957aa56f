#pragma once
// Polyak (exponential moving) averages of the weights, used for evaluation and sampling as in the
// official code (decay 0.999, updated every step).
#include <torch/torch.h>

#include "model/Checkpoint.h"

namespace flowpp {

class Ema {
 public:
  Ema(torch::nn::Module& module, double decay);
  // decay_t = min(decay, (1 + t) / (10 + t)) at optimiser step t, so early averages are not
  // dominated by the initial weights (TensorFlow's num_updates form).
  void update(int64_t step);
  void saveTo(TensorMap& out, const std::string& prefix = "") const;  // parameter names
  void loadFrom(const TensorMap& in, const std::string& source, const std::string& prefix = "");

  // Swaps the EMA weights into the module for its lifetime (and the raw weights back after).
  class Apply {
   public:
    explicit Apply(Ema& ema);
    ~Apply();
    Apply(const Apply&) = delete;
    Apply& operator=(const Apply&) = delete;

   private:
    Ema& ema_;
  };

 private:
  void swap();
  std::vector<std::pair<std::string, torch::Tensor>> params_;
  std::vector<torch::Tensor> shadow_;
  double decay_;
};

}  // namespace flowpp
