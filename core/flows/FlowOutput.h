#pragma once
// Results shared by every flow layer. Each layer returns its log|det J| *per element* (a tensor
// shaped like its output): the total is a sum, and the per-pixel likelihood map is the same maps
// carried back through the squeezes and splits (see FlowPlusPlus::logLikelihood).
#include <torch/torch.h>

#include "math/MixLogistic.h"

namespace flowpp {

struct FlowOutput {
  torch::Tensor out;     // the transformed tensor
  torch::Tensor logdet;  // per-element log|det J| of this direction, shaped like `out`
};

// Per-sample sum of a per-element map: [B, ...] -> [B].
inline torch::Tensor sumPerSample(const torch::Tensor& map) { return map.flatten(1).sum(1); }

// Settings and statistics for inverting mixture-logistic couplings.
struct InverseContext {
  InverseOptions options;
  int64_t iterations = 0;  // summed over coupling inversions
  int64_t calls = 0;       // number of coupling inversions
  bool allConverged = true;
  double meanIterations() const { return calls ? static_cast<double>(iterations) / calls : 0.0; }
};

}  // namespace flowpp
