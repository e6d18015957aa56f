#pragma once
// What variational dequantization learned for one image: draws u ~ q(u|x), their per-pixel mean
// and standard deviation, their histogram against U[0,1), the two terms of the bound, and how the
// importance-weighted bound tightens over the ELBO as K grows.
#include "explore/Reports.h"
#include "model/FlowPlusPlus.h"

namespace flowpp {

// image8: uint8 [C, H, W]. Draws in chunks, with `progress(draws done, draws)` between them.
DequantReport dequantStats(FlowPlusPlus& model, const torch::Tensor& image8, int draws, int shown, uint64_t seed,
                           const ProgressFn& progress = {});

}  // namespace flowpp
