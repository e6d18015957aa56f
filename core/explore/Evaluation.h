#pragma once
// Bits/dim of a data set: the one-sample ELBO and the importance-weighted bound (paper sec. 4.1,
// Burda et al. 2015), per image and on average.
#include <functional>

#include <torch/torch.h>

#include "model/FlowPlusPlus.h"

namespace flowpp {

struct EvalOptions {
  int importanceSamples = 1;  // K; 1 = ELBO only
  int64_t batchSize = 64;
  uint64_t seed = 0;  // for the dequantization noise, so evaluations are reproducible
};

struct EvalResult {
  torch::Tensor bpdElbo;  // [N] float64
  torch::Tensor bpdIw;    // [N] float64 (equal to bpdElbo when K = 1)
  double meanElbo = 0, meanIw = 0;
  int64_t images = 0;
  bool cancelled = false;
};

// images: uint8 [N, C, H, W] at 8 bits; quantized to the model's n_bits here. `progress(done, total)`
// may return false to cancel (the result then covers the images done so far).
EvalResult evaluate(FlowPlusPlus& model, const torch::Tensor& images8, const EvalOptions& options,
                    const std::function<bool(int64_t, int64_t)>& progress = {});

}  // namespace flowpp
