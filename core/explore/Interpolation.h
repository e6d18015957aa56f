#pragma once
// Paths between two latents: linear, or spherical (slerp on the flattened vectors, which keeps the
// norm typical of a Gaussian sample in the middle of the path, where linear paths shrink it).
#include <torch/torch.h>

#include "explore/Reports.h"
#include "model/FlowPlusPlus.h"

namespace flowpp {

// za, zb: [1, ...] latents. Returns [steps, ...] with the exact end points at t = 0 and t = 1.
torch::Tensor interpolateLatents(const torch::Tensor& za, const torch::Tensor& zb, int64_t steps, bool spherical);

// Encodes two 8-bit images [C, H, W], decodes the path between their latents (steps in 2..256), and
// reports each frame's bits/dim and how exactly the ends reconstruct.
InterpolationReport interpolate(FlowPlusPlus& model, const torch::Tensor& a8, const torch::Tensor& b8, int steps,
                                bool spherical);

}  // namespace flowpp
