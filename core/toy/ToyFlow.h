#pragma once
// The playground's 2-D Flow++: `layers` x [ActNorm, split, coupling] from data x to a standard
// normal z. The split either alternates which coordinate is transformed or applies a learned
// rotation (log-det 0) before a coupling of the second coordinate.
//   log p(x) = log N(z) + sum over layers of log |det dlayer/dinput|   (change of variables, eq. 1)
#include <vector>

#include <torch/torch.h>

#include "toy/ToyCoupling.h"
#include "toy/ToyTypes.h"

namespace flowpp {

struct ToyFlowResult {
  torch::Tensor z;       // [B, 2]
  torch::Tensor logdet;  // [B]
};

struct ToyInverseResult {
  torch::Tensor x;                // [B, 2]
  double meanIterations = 0;      // Newton iterations per mixture inversion (0 for affine)
  std::vector<torch::Tensor> trace;  // filled when asked: [z, after undoing the last layer, ..., x]
};

class ToyFlowImpl : public torch::nn::Module {
 public:
  explicit ToyFlowImpl(const ToyFlowOptions& options);
  const ToyFlowOptions& options() const { return options_; }

  // `trace`, when given, receives x and the output of every layer (layers + 1 tensors).
  ToyFlowResult forward(const torch::Tensor& x, std::vector<torch::Tensor>* trace = nullptr);
  ToyInverseResult inverse(const torch::Tensor& z, bool withTrace = false);
  torch::Tensor logProb(const torch::Tensor& x);  // [B] nats
  // n samples; draws from the thread's RandomScope.
  ToyInverseResult sample(int64_t n);
  // Sets every ActNorm so that its output on `x` has zero mean and unit variance per coordinate.
  void dataInit(const torch::Tensor& x);
  int64_t parameterCount() const;
  // The parameters of a flow with these options, without building it.
  static int64_t parameterCount(const ToyFlowOptions& options);

 private:
  struct Layer {
    torch::Tensor logScale, bias, angle;  // ActNorm (2 + 2) and, with a rotation split, its angle
    ToyCoupling coupling{nullptr};
  };
  std::pair<int64_t, int64_t> coordinates(size_t layer) const;  // (transformed, conditioning)
  torch::Tensor rotation(const Layer& layer) const;             // [2, 2]

  ToyFlowOptions options_;
  std::vector<Layer> layers_;
};
TORCH_MODULE(ToyFlow);

// The hidden width that gives an affine flow (otherwise like `mixture`) the parameter count
// closest to the mixture flow's: the paper's ablation compares equal sizes.
ToyFlowOptions matchedAffineOptions(const ToyFlowOptions& mixture);

}  // namespace flowpp
