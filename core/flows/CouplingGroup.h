#pragma once
#include <vector>
// A run of couplings on one split of the tensor, as in the official code:
//   split -> n x [ActNorm per half, 1x1 conv per half, coupling (second half | first), swap halves]
//   -> merge.
// The per-element log-det maps of the two halves are merged with the same split, so the group's
// map comes back in the layout of its input.
#include <torch/torch.h>

#include "flows/ActNorm.h"
#include "flows/Coupling.h"
#include "flows/InvConv1x1.h"
#include "flows/Partition.h"

namespace flowpp {

struct CouplingGroupOptions {
  CouplingGroupOptions(SplitType split, int64_t couplings, CouplingOptions coupling)
      : split_(split), couplings_(couplings), coupling_(std::move(coupling)) {}
  TORCH_ARG(SplitType, split);
  TORCH_ARG(int64_t, couplings);
  TORCH_ARG(CouplingOptions, coupling);  // channels/height/width here are those of the FULL tensor
  TORCH_ARG(bool, pointwise) = true;     // 1x1 convolutions (the ImageNet launchers have none)
};

class CouplingGroupImpl : public torch::nn::Module {
 public:
  explicit CouplingGroupImpl(const CouplingGroupOptions& options);
  // context: at the resolution of one half (the dequantizer's context net output), or undefined.
  // `steps`, when given, receives the group's output and its accumulated log-det after each
  // coupling step (norms, 1x1 convolutions and the coupling), both merged into the group's layout.
  FlowOutput forward(const torch::Tensor& x, const torch::Tensor& context = {}, std::vector<FlowOutput>* steps = nullptr);
  // `steps`, when given, receives the tensor after undoing each coupling step (the last step first),
  // merged into the group's layout, and `iterations` the Newton iterations per inversion of each.
  FlowOutput inverse(const torch::Tensor& y, InverseContext& inv, const torch::Tensor& context = {},
                     std::vector<torch::Tensor>* steps = nullptr, std::vector<double>* iterations = nullptr);
  const CouplingGroupOptions& options() const { return options_; }

  // One coupling step's layers, in the order forward() applies them (for the lossless coder).
  struct Step {
    ActNorm normA{nullptr}, normB{nullptr};
    InvConv1x1 convA{nullptr}, convB{nullptr};  // null without 1x1 convolutions
    std::shared_ptr<CouplingImpl> coupling;
  };
  const std::vector<Step>& steps() const { return steps_; }

 private:
  CouplingGroupOptions options_;
  std::vector<Step> steps_;
};
TORCH_MODULE(CouplingGroup);

}  // namespace flowpp
