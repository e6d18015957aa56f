#pragma once
// Plain results of the exploration functions (core/explore/*), torch-free: what the CLI prints and
// the studio renders. Pictures are Pixels8; per-pixel maps are row-major [height * width] vectors.
#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "data/Pixels.h"

namespace flowpp {

// Called with (done, total) between chunks of a long computation; returning false cancels it.
using ProgressFn = std::function<bool(int64_t, int64_t)>;

struct SampleReport {
  std::vector<Pixels8> images;
  std::vector<double> bitsPerDim;  // of each sample, one-sample ELBO under the model
  int count = 0;
  double temperature = 1.0;
  uint64_t seed = 0;
  double seconds = 0, meanIterations = 0;
  bool converged = true;
};

struct InterpolationReport {
  std::vector<Pixels8> frames;
  std::vector<double> bitsPerDim;
  double reconstructionErrorA = 0, reconstructionErrorB = 0;  // max |x - decode(encode(x))|, pixel levels
  double seconds = 0;
};

struct LikelihoodReport {
  Pixels8 image;                 // as the model saw it (n-bit values shown at 8 bits)
  std::vector<double> bits;      // [height * width] bits per pixel (channels summed)
  int width = 0, height = 0, channels = 1;
  std::vector<std::pair<std::string, double>> breakdownBits;  // term -> bits over the image (sums to totalBits)
  double totalBits = 0, bpdMap = 0, bpdElbo = 0, bpdIw = 0;
  int mapSamples = 1, importanceSamples = 1;
  bool cancelled = false;  // the importance-weighted bound was cancelled (bpdIw = bpdElbo then)
};

// One layer of the image model, for the layers view.
struct LayerView {
  std::string name;
  int channels = 0, height = 0, width = 0;  // the tensor's shape after this layer (batch of one)
  std::vector<Pixels8> tiles;               // up to 16 channels as grey images, each scaled to its own range
  double minValue = 0, maxValue = 0;
  // This layer's share of the image's bits, -log2 of its term of log p, per pixel of the image (channels
  // summed; negative where the layer saves bits). Empty for a layer without a term (a squeeze).
  std::vector<double> bits;
  double totalBits = 0;
  double meanNewtonIterations = 0;  // inverse pass: per coupling inversion of this layer
};

struct LayersReport {
  bool inverse = false;          // a sample decoded layer by layer (no bits then)
  Pixels8 image;                 // the image (forward) or the decoded sample (inverse)
  int width = 0, height = 0;     // of the image
  std::vector<LayerView> layers;  // in the order of the pass
  double totalBits = 0;           // forward: the sum of the layers' bits = -log2 p(x+u) + log2 q(u|x)
  double bitsPerDim = 0;
};

struct DequantReport {
  bool variational = true;
  int draws = 0;
  std::vector<Pixels8> samples;        // u draws shown as images (u * 255)
  std::vector<double> meanU, stdU;     // [height * width], channel-averaged
  int width = 0, height = 0;
  std::vector<int64_t> histogram;      // counts of u over [0,1) in histogram.size() bins
  int64_t histogramTotal = 0;          // sub-pixels x draws
  double minU = 0, maxU = 0;
  double meanNegLogQ = 0, meanLogP = 0;  // per image, nats: -log q(u|x) and log p(x+u), averaged over draws
  std::vector<int> ks;                 // K values of the IW gap curve (nested groups of the first draws)
  std::vector<double> iwBpd;           // IW bits/dim for each K
  double elboBpd = 0;
  bool cancelled = false;
};

}  // namespace flowpp
