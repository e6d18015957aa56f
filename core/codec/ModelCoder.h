#pragma once
// Lossless coding of images with a Flow++ model: bits-back coding over the variational dequantizer,
// and local bits-back coding through every layer of the flow (Ho, Lohn & Abbeel, "Compression with
// flows via local bits-back coding", NeurIPS 2019), on one AnsStack.
//
// Every value lives on the grid k * 2^-32. For an elementwise map f with input x and output y, the
// encoder pops y from N(f(x), (sigma f'(x))^2) and then pushes x with N(f^-1(y), sigma^2); the decoder
// does the reverse with the same numbers. The two cost about -log2 f'(x) together: the layer's
// log-determinant. A 1x1 convolution is coded as its LU factors, one element at a time (a triangular
// map is elementwise given the elements already done); squeezes and splits only move elements. In
// order, the encoder pops the dequantizer's noise eps (taking bits from the stack: the bits it gives
// back), runs the dequantizer's flow to u, and the main flow from y = x + u to z, and pushes z under
// the N(0, I) prior; a batch costs about -log2 p(x + u) + log2 q(u | x): the one-sample bound.
//
// Determinism: the encoder and the decoder compute the same conditioner outputs (the model in
// float32, on the same batches, on one thread: no thread partition can change a sum) and the same
// elementwise maps (codec/ElementMaps, float64, no contraction). The kernel table and the machine's
// instruction sets can change the conditioners' last bits, which the archive records and checks.
#include <torch/torch.h>

#include "codec/AnsStack.h"
#include "model/FlowPlusPlus.h"

namespace flowpp::codec {

struct CoderOptions {
  double sigma = 1.0 / 16384;  // the local steps' standard deviation in each layer's input units (2^-14, as LBB)
};

struct EncodedBatch {
  // The dequantization noise the coder drew from the stack (float64, the images' shape): eps for a
  // variational dequantizer, u for uniform dequantization. FlowPlusPlusImpl::logLikelihood(x, false,
  // noise) is then the bound this batch was coded at.
  torch::Tensor noise;
  // The latent z the batch was coded as (float64, the latent shape): within the local steps' noise
  // (about sigma per layer) of FlowPlusPlusImpl::flowForward(x + u).
  torch::Tensor latent;
};

// Where a batch's bits go, as the stack's growth in bits at each stage of encode (bits-back terms):
// popping the dequantization noise takes bits off (negative), the dequantizer's and the main flow's
// layers cost their log-determinants (local bits-back), and z pushed under the prior adds its
// -log2 N(z; 0, I). Their sum is what the batch adds to the file.
struct CodingLedger {
  double noiseBits = 0;        // eps (or uniform u) popped: the bits given back
  double dequantizerBits = 0;  // the dequantizer's flow and sigmoid, eps -> u
  double flowBits = 0;         // the main flow, x + u -> z (preprocessing included)
  double priorBits = 0;        // z pushed under N(0, I)
  // With mapPixels set before encode: the same growth per sub-pixel of the batch ([B, C, H, W] bits,
  // float64, summing to net()). An element moved by squeezes and splits is charged to the sub-pixel it
  // came from; a 1x1 convolution's bits are shared equally by the channels of a position (as the
  // model's heatmap counts them: FlowPlusPlusImpl::logLikelihood).
  bool mapPixels = false;
  torch::Tensor pixelBits;
  double net() const { return noiseBits + dequantizerBits + flowBits + priorBits; }
};

class ModelCoder {
 public:
  // The model is used as it is (eval mode, its own dtype and device: float32 on the CPU for coding).
  explicit ModelCoder(FlowPlusPlus model, CoderOptions options = {});

  // Codes a batch of images (integers in [0, 2^n_bits) as any dtype, [B, C, H, W]) onto the stack.
  // With `ledger`, the stack's growth at each stage is recorded in it.
  EncodedBatch encode(AnsStack& stack, const torch::Tensor& x, CodingLedger* ledger = nullptr);
  // Takes the batch of `count` images coded last off the stack (int64 [count, C, H, W]).
  torch::Tensor decode(AnsStack& stack, int64_t count);

 private:
  struct Impl;
  std::shared_ptr<Impl> d_;
};

}  // namespace flowpp::codec
