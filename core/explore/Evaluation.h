#pragma once
// Bits/dim of a data set: the one-sample ELBO and the importance-weighted bound (paper sec. 4.1,
// Burda et al. 2015), per image and on average.
#include <functional>

#include <torch/torch.h>

#include "model/FlowPlusPlus.h"

namespace flowpp {

struct EvalOptions {
  int importanceSamples = 1;  // K; 1 = ELBO only
  int64_t batchSize = 64;     // (image, draw) pairs per forward pass
  uint64_t seed = 0;          // of the dequantization noise, so evaluations are reproducible
  // Global index of the first image. Draw k of image i uses noise seeded by (seed, firstIndex + i, k)
  // alone, so results do not depend on the batch size, on chunking, or on how images are sharded.
  int64_t firstIndex = 0;
};

struct EvalResult {
  torch::Tensor bpdElbo;  // [N] float64
  torch::Tensor bpdIw;    // [N] float64 (equal to bpdElbo when K = 1)
  double meanElbo = 0, meanIw = 0;
  int64_t images = 0;
  bool cancelled = false;
};

// images: uint8 [N, C, H, W] at 8 bits; quantized to the model's n_bits here. `progress(done, total)`
// is called after each forward pass with the (image, draw) pairs done out of N * K and may return
// false to cancel (the result then covers the images whose draws were all done).
EvalResult evaluate(FlowPlusPlus& model, const torch::Tensor& images8, const EvalOptions& options,
                    const std::function<bool(int64_t, int64_t)>& progress = {});

// Importance-weighted bits/dim of one image for each K in `ks` (each a divisor of the largest), from
// one set of max(ks) draws: the draws are cut into disjoint groups of K and the groups' bounds are
// averaged. As each group of a larger K is a union of groups of a smaller K, and log-mean-exp of a
// union is at least the mean of its parts' log-mean-exps, the curve never rises with K.
std::vector<double> importanceWeightedCurve(FlowPlusPlus& model, const torch::Tensor& x, const std::vector<int>& ks,
                                            uint64_t seed = 0);

}  // namespace flowpp
