#pragma once
// concat_elu (PixelCNN++): elu([x, -x]) along channels, and the convolution that always follows it
// in Flow++'s conditioner, fused for memory. Written out, training keeps the 2C-channel activation
// twice (ELU saves its input, the convolution its input) for every such pair; the fused function
// keeps only the C-channel x and recomputes the activation in backward (an elementwise pass, far
// cheaper than the convolution next to it). This was the largest share of training memory.
#include <torch/torch.h>

namespace flowpp {

// elu([x, -x]) along dim 1. On the CPU one pass with one exponential per input; keeps its output
// for backward.
torch::Tensor concatElu(const torch::Tensor& x);

// conv2d(concatElu(x), weight, bias), stride 1, "same" padding (kernel / 2). Differentiable in x,
// weight and bias (once: the backward is not itself differentiable).
torch::Tensor concatEluConv2d(const torch::Tensor& x, const torch::Tensor& weight, const torch::Tensor& bias);

}  // namespace flowpp
