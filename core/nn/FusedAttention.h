#pragma once
// Scaled dot-product attention softmax(q k^T * scale) v without keeping the [BH, N, N] weights for
// backward (the memory that made attention 27x slower than the convolutions it sits between). Only
// each query row's log-sum-exp is kept; backward recomputes the weights from it and is exact
// (FlashAttention's scheme, Dao et al. 2022).
//  - CPU: hand-vectorised kernels (kernels/AttentionKernel.h), one query row at a time in an O(N)
//    buffer, each (batch, head) one task of torch's pool.
//  - other devices: tensor ops on tiles of rows with an online softmax over key blocks (Milakov &
//    Gimelshein 2018), all heads at once.
#include <torch/torch.h>

namespace flowpp {

// q, k, v: [BH, N, d] (any float dtype, any device). Differentiable in q, k and v.
torch::Tensor fusedAttention(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v, double scale);
// The same, with the heads' outputs side by side as channels, [B, heads * d, H, W], for q, k, v of
// [B * heads, H * W, d]: the layout the next convolution reads. Only this copy is kept for backward
// (not also the [BH, N, d] one), one activation less per attention block of training memory.
// `format`: the output's layout (channels-last where the conditioner runs so, nn/ConvLayout).
torch::Tensor fusedAttentionToChannels(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                                       double scale, int64_t batch, int64_t height, int64_t width,
                                       at::MemoryFormat format = at::MemoryFormat::Contiguous);
// The non-CPU algorithm (tensor ops on tiles of queryTile rows and keyTile keys; the defaults are
// the GPU's), run on any device: how its correctness is tested on machines without a GPU, with
// small tiles so that several key tiles are joined by the online softmax.
torch::Tensor fusedAttentionTensorOps(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v, double scale,
                                      int64_t queryTile = 128, int64_t keyTile = 1024);
// How many of the attention weights' exponentials per second (billions) the CPU kernel computes
// with all of torch's threads, on rows that stay in cache: with the matrix-multiply peak, the floor
// that `flowpp bench` puts under the attention's time.
double attentionExpPeakGexp();
// The reference: the same maths with the full weight matrix (what the fused version is tested against).
torch::Tensor plainAttention(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v, double scale);

}  // namespace flowpp
