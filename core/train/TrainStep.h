#pragma once
// The gradient of one training step, the one code path of `flowpp train`, the studio's training
// and `flowpp bench`: the loss (bits/dim of this process's images, divided by the global batch so
// that the sum over processes is the mean), its backward pass, the gradient all-reduce over the
// processes, and the global-norm clip. The optimiser's update is the caller's, after it has looked
// at the outcome (a non-finite or exploding step is skipped).
#include <torch/torch.h>

#include "model/FlowPlusPlus.h"
#include "train/Collective.h"

namespace flowpp {

struct StepGradient {
  double bpd = 0;               // the global batch's mean train bits/dim (summed over the processes)
  double gradNorm = 0;          // before clipping
  bool finite = true;           // loss and gradient norm both finite
  double allReduceSeconds = 0;  // time in the gradient and loss all-reduces (0 without a collective)
};

struct StepInputs {
  torch::Tensor x;        // this process's images, n-bit integers as float, on the model's device
  torch::Tensor noise;    // their dequantization noise (undefined: drawn from the thread's RandomScope)
  int64_t globalBatch = 0;
  double gradClip = 1.0;  // 0: no clipping
  bool poisonLoss = false;  // testing hook: a NaN loss, as a diverging run would have
};

StepGradient computeStepGradient(FlowPlusPlus& model, const StepInputs& in, Collective* collective = nullptr);

}  // namespace flowpp
