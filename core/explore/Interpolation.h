#pragma once
// Paths between two latents: linear, or spherical (slerp on the flattened vectors, which keeps the
// norm typical of a Gaussian sample in the middle of the path, where linear paths shrink it).
#include <torch/torch.h>

namespace flowpp {

// za, zb: [1, ...] latents. Returns [steps, ...] with the exact end points at t = 0 and t = 1.
torch::Tensor interpolateLatents(const torch::Tensor& za, const torch::Tensor& zb, int64_t steps, bool spherical);

}  // namespace flowpp
