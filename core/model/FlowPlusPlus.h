#pragma once
// Flow++ (Ho et al., ICML 2019): the whole model and the API the CLI and the studio use.
//
//   x (n-bit integers) --dequantizer--> y = x + u --PixelPreprocess--> logit space
//   --[coupling groups and squeezes from the config]--> z ~ N(0, I)
//
//   log P(x) >= E_q [ log p(x + u) - log q(u|x) ]  (paper eq. 12; one sample = the ELBO,
//   K samples with log-mean-exp = the importance-weighted bound, tighter as K grows).
//
// Every term is kept per element so the bound can be decomposed pixel by pixel (logLikelihood).
#include <string>
#include <vector>

#include <torch/torch.h>

#include "flows/CouplingGroup.h"
#include "flows/PixelPreprocess.h"
#include "model/ModelConfig.h"
#include "model/VariationalDequantizer.h"

namespace flowpp {

struct LikelihoodTerm {
  std::string name;   // "prior", "dequantization", "preprocessing", "stage 1: stripe x4", ...
  torch::Tensor map;  // [B, C, H, W] nats, in image layout
};

// The tensor after one layer of a pass, for the layers view (image tiles of every stage).
struct LayerState {
  std::string name;
  torch::Tensor value;              // [B, C, H, W] in the layout after this layer
  torch::Tensor logdet;             // forward: this layer's own log-det map in image layout (if element-wise)
  double meanIterations = 0;        // inverse pass: Newton iterations per coupling inversion of this layer
};

struct Likelihood {
  torch::Tensor logp;                // [B] nats: log p(x + u) - log q(u|x) for one u per image
  std::vector<LikelihoodTerm> terms;  // filled when asked for; their maps sum to logp
};

// Both bounds from the same k dequantization draws, per image, in nats (float64). By Jensen's
// inequality iw >= elbo for every image.
struct BoundEstimate {
  torch::Tensor elbo;  // mean of the k one-sample bounds
  torch::Tensor iw;    // log-mean-exp of the k log-ratios
};

struct DecodeResult {
  torch::Tensor x;              // [B, C, H, W] float, integer values in [0, 2^n - 1]
  double meanIterations = 0.0;  // per mixture-CDF inversion (one per coupling)
  bool converged = true;
};

class FlowPlusPlusImpl : public torch::nn::Module {
 public:
  explicit FlowPlusPlusImpl(const ModelConfig& config);

  const ModelConfig& config() const { return config_; }
  int64_t dims() const { return config_.dims(); }
  int64_t parameterCount() const;
  torch::Device device() const;
  torch::ScalarType dtype() const;  // of the weights: inputs are converted to it (float32 normally, float64 in checks)

  // Data-dependent initialisation of every ActNorm and convolution on a batch of images.
  void dataInit(const torch::Tensor& x);

  // One-sample bound per image (training loss: -mean(logp) / (D ln 2) bits/dim). `noise` is the
  // dequantization noise (drawNoise); undefined: drawn from the thread's RandomScope.
  // `states`, when given, receives x + u and the tensor after every layer (the last is z).
  Likelihood logLikelihood(const torch::Tensor& x, bool withTerms = false, const torch::Tensor& noise = {},
                           std::vector<LayerState>* states = nullptr);
  // Importance-weighted bound with k dequantization samples, log-mean-exp in float64.
  BoundEstimate importanceWeighted(const torch::Tensor& x, int k);
  // Converts per-image nats to bits per dimension.
  torch::Tensor bitsPerDim(const torch::Tensor& logp) const;

  // Main flow on a continuous y = x + u in [0, 2^n), and its exact inverse.
  // `states`, when given, receives the input and the tensor after every layer.
  FlowOutput flowForward(const torch::Tensor& y, std::vector<LikelihoodTerm>* terms = nullptr,
                         std::vector<LayerState>* states = nullptr);
  FlowOutput flowInverse(const torch::Tensor& z, InverseContext& inv, std::vector<LayerState>* states = nullptr);

  // z for an image, dequantized at the centre of each bin (u = 0.5: the largest margin for an exact
  // round trip); decode(encode(x)) == x.
  torch::Tensor encode(const torch::Tensor& x);
  DecodeResult decode(const torch::Tensor& z, const InverseOptions& options = {});
  // z = temperature * eps with eps ~ N(0, I) from `seed` (drawn on the CPU: same images on any device).
  torch::Tensor sampleLatent(int64_t n, double temperature, uint64_t seed) const;
  DecodeResult sample(int64_t n, double temperature, uint64_t seed, const InverseOptions& options = {});

  // Dequantization noise for n images from the thread's RandomScope, on the model's device: the
  // Gaussian input of the variational dequantizer's flow, or u ~ U[0,1) itself when uniform.
  torch::Tensor drawNoise(int64_t n) const;
  // u and its per-element log q (zero for uniform dequantization) from `noise` (drawn if undefined).
  DequantOutput dequantize(const torch::Tensor& x, const torch::Tensor& noise = {});
  bool variationalDequantization() const { return !dequantizer_.is_empty(); }

  // The main flow's stages in order (a squeeze, or a coupling group), and the dequantizer (null for
  // uniform dequantization): what the lossless coder (core/codec) walks through layer by layer.
  struct Stage {
    bool squeeze = false;
    CouplingGroup group{nullptr};
    std::string name;
  };
  const std::vector<Stage>& stages() const { return stages_; }
  VariationalDequantizer dequantizer() const { return dequantizer_; }

 private:
  torch::Tensor toInput(const torch::Tensor& x) const;

  ModelConfig config_;
  PixelPreprocess preprocess_{nullptr};
  std::vector<Stage> stages_;
  VariationalDequantizer dequantizer_{nullptr};
};
TORCH_MODULE(FlowPlusPlus);

// A model with fresh weights drawn from `seed` (not data-initialised yet). Refuses a config whose
// weights alone would not fit in memory, before allocating them.
FlowPlusPlus buildModel(const ModelConfig& config, uint64_t seed);

}  // namespace flowpp
