#pragma once
// A 2-D convolution with data-dependent initialisation and optional weight normalisation.
// Weights start as N(0, 0.05^2) (as in the official code); under a DataInitGuard the first batch
// rescales each output channel to zero mean and a standard deviation of `initScale`.
#include <torch/torch.h>

namespace flowpp {

struct DdiConv2dOptions {
  DdiConv2dOptions(int64_t in, int64_t out, int64_t kernel) : in_(in), out_(out), kernel_(kernel) {}
  TORCH_ARG(int64_t, in);
  TORCH_ARG(int64_t, out);
  TORCH_ARG(int64_t, kernel);
  TORCH_ARG(double, initScale) = 1.0;
  TORCH_ARG(bool, weightNorm) = false;  // w = g * v / ||v|| per output channel (ImageNet launchers)
};

class DdiConv2dImpl : public torch::nn::Module {
 public:
  explicit DdiConv2dImpl(const DdiConv2dOptions& options);
  torch::Tensor forward(const torch::Tensor& x);
  // forward(concatElu(x)) that keeps only x for backward (nn/ConcatEluConv.h); in() is 2 * x's channels.
  torch::Tensor forwardConcatElu(const torch::Tensor& x);

 private:
  torch::Tensor effectiveWeight() const;
  void initFromData(const torch::Tensor& x);

  DdiConv2dOptions options_;
  torch::Tensor weight_, bias_, gain_;  // gain_ only with weight normalisation
};
TORCH_MODULE(DdiConv2d);

}  // namespace flowpp
