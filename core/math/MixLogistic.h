#pragma once
// The logistic-mixture CDF used by Flow++'s coupling layers (paper eq. 7), in log space,
// and its inverse. Shapes: x is [...]; every parameter tensor is [..., K] (K components last).
#include <torch/torch.h>

namespace flowpp {

struct MixLogisticParams {
  torch::Tensor logits;     // [..., K] unnormalised mixture weights
  torch::Tensor means;      // [..., K]
  torch::Tensor logScales;  // [..., K], already clamped by the caller
};

struct MixLogCdf {
  torch::Tensor logF;    // log F(x)
  torch::Tensor log1mF;  // log(1 - F(x)), computed from the upper tails, not as log1p(-F)
  torch::Tensor logPdf;  // log F'(x)
};

// log F, log(1-F) and log pdf of the mixture at x. Both tails are kept in log space so that
// logit(F) = logF - log1mF stays accurate when F is within float epsilon of 0 or 1.
MixLogCdf mixLogisticLogCdf(const torch::Tensor& x, const MixLogisticParams& p);

enum class InverseMethod { Newton, Bisection };

struct InverseOptions {
  InverseMethod method = InverseMethod::Newton;
  double tolerance = 1e-10;  // on |dx| (Newton) or the bracket width (bisection), relative to 1+|x|
  int maxIterations = 200;
};

struct InverseResult {
  torch::Tensor x;     // solution, same dtype as the target
  int iterations = 0;  // loop iterations until every element met the tolerance
  bool converged = false;
};

// Solves logit(F(x)) = target for x, elementwise. Works in float64 internally.
// The root is bracketed by the component quantiles: x_k = mu_k + s_k * target for each k
// (every component's own logit equals the target there, so F's logit lies between).
InverseResult mixLogisticInverse(const torch::Tensor& targetLogit, const MixLogisticParams& p,
                                 const InverseOptions& options = {});

}  // namespace flowpp
