#pragma once
// The gated residual that ends Flow++'s GatedConv and attention blocks: x + a * sigmoid(b), with a
// and b the two channel halves of one gate output. Written out, autograd keeps the whole gate
// output (a is a view of it) and sigmoid(b) as well; this function keeps only the gate output and
// recomputes the sigmoid in backward, one activation less per block of training memory. On float32
// channels-last CPU tensors one vectorised pass each way (kernels/GatedResidualKernel.h).
#include <torch/torch.h>

namespace flowpp {

// x: [B, C, ...]; ab: [B, 2C, ...] (a = first C channels, b = the rest). Differentiable in both.
torch::Tensor gatedResidual(const torch::Tensor& x, const torch::Tensor& ab);

}  // namespace flowpp
