#pragma once
// Where an image's code length comes from: bits per sub-pixel (the heatmap) and the breakdown by
// term (prior, each coupling group, preprocessing, dequantization); both sum to the image's total.
#include <string>
#include <vector>

#include <torch/torch.h>

#include "explore/Reports.h"
#include "model/FlowPlusPlus.h"

namespace flowpp {

struct PixelLikelihood {
  torch::Tensor bits;  // [C, H, W] float64, bits per sub-pixel: -(sum of the term maps) / ln 2
  std::vector<std::pair<std::string, double>> breakdownBits;  // -term / ln 2, summed over the image
  double totalBits = 0;
  double bitsPerDim = 0;
};

// `x`: one image [C, H, W] of n-bit integer values. Averaged over `samples` dequantization draws
// (seeded) so that the map is stable; every draw's maps sum exactly to that draw's bound.
PixelLikelihood pixelLikelihood(FlowPlusPlus& model, const torch::Tensor& x, int samples = 1, uint64_t seed = 0);

// The Likelihood tab's report for an 8-bit image [C, H, W]: the heatmap from `mapSamples` draws, and
// the ELBO and importance-weighted bound from `importanceSamples` draws, computed in chunks with
// `progress` between them (cancelling keeps the map and reports the ELBO of the draws so far).
LikelihoodReport likelihoodReport(FlowPlusPlus& model, const torch::Tensor& image8, int mapSamples,
                                  int importanceSamples, uint64_t seed, const ProgressFn& progress = {});

}  // namespace flowpp
