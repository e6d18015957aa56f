#pragma once
// Volume-preserving reshapes of Flow++: the space-to-depth squeeze and the three ways of splitting
// a tensor in two halves for a coupling (SplitType, in model/ConfigTypes.h). All are permutations
// (log|det| = 0), and all work on any tensor of the same shape, which is how per-element log-det
// maps follow the data through them.
#include <array>
#include <utility>

#include <torch/torch.h>

#include "model/ConfigTypes.h"

namespace flowpp {

// Shape [C, H, W] of each half for a full tensor of shape [C, H, W].
std::array<int64_t, 3> halfShape(SplitType type, int64_t c, int64_t h, int64_t w);

std::pair<torch::Tensor, torch::Tensor> splitHalves(const torch::Tensor& x, SplitType type);
torch::Tensor mergeHalves(const torch::Tensor& a, const torch::Tensor& b, SplitType type);

// [B, C, H, W] -> [B, 4C, H/2, W/2] (block 2) and back.
torch::Tensor spaceToDepth(const torch::Tensor& x);
torch::Tensor depthToSpace(const torch::Tensor& x);

}  // namespace flowpp
