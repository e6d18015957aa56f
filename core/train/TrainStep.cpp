#include "train/TrainStep.h"

#include <chrono>
#include <cmath>

#include "train/Adam.h"

namespace flowpp {

StepGradient computeStepGradient(FlowPlusPlus& model, const StepInputs& in, Collective* collective) {
  using Clock = std::chrono::steady_clock;
  auto loss = model->bitsPerDim(model->logLikelihood(in.x, false, in.noise).logp).sum() / double(in.globalBatch);
  if (in.poisonLoss) loss = loss * std::nan("");
  for (auto& p : model->parameters()) p.mutable_grad() = torch::Tensor();
  loss.backward();
  StepGradient s;
  std::vector<torch::Tensor> lossSum = {loss.detach().to(torch::kDouble).reshape({1})};
  if (collective) {
    const auto start = Clock::now();
    allReduceGradients(*model, *collective);
    collective->allReduceSum(lossSum);
    s.allReduceSeconds = std::chrono::duration<double>(Clock::now() - start).count();
  }
  s.bpd = lossSum[0].item<double>();
  s.gradNorm = clipGradNorm(*model, in.gradClip);
  s.finite = std::isfinite(s.bpd) && std::isfinite(s.gradNorm);
  return s;
}

}  // namespace flowpp
