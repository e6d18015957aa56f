#pragma once
// What one image costs as bytes with a Flow++ model, for the studio's Compression view: the
// bits-back ledger of coding it as one image of an archive (the stack already holds bits to give
// back), the model's bound for the same noise, the one-image .fppz file (which also pays the
// initial bits) and the classical codecs' files of the same pixels.
#include <cstdint>
#include <string>
#include <vector>

#include <torch/torch.h>

#include "codec/ClassicalCodecs.h"
#include "codec/ModelCoder.h"
#include "model/FlowPlusPlus.h"

namespace flowpp::codec {

struct ImageCodeLengths {
  int64_t dims = 0;            // sub-pixels of the image
  CodingLedger ledger;         // bits, coded inside an archive
  double boundBits = 0;        // -log2 p(x + u) + log2 q(u | x) for the noise the coder drew
  torch::Tensor codedPixelBits;  // [C, H, W] float64: the ledger's bits per sub-pixel (sums to ledger.net())
  torch::Tensor modelPixelBits;  // [C, H, W] float64: the model's heatmap terms for the same noise (sums to boundBits)
  std::string singleFile;      // the one-image .fppz (codec/Compressor: the smaller of flow and classical)
  std::string singleCodedWith; // "flow" or the classical codec it holds
  double singleFlowBits = 0;   // the one-image file with the flow's code: initial bits and header included
  std::vector<ClassicalSize> classical;
};

// image: integers in [0, 2^n_bits) [C, H, W] at the model's shape. `seed` fills the stack the image
// is coded onto (the bits an archive would already hold), so the ledger is the same for a seed.
ImageCodeLengths imageCodeLengths(FlowPlusPlus model, const torch::Tensor& image, uint64_t seed = 1);

}  // namespace flowpp::codec
