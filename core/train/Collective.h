#pragma once
// What data-parallel training needs from a process group (core/train/Distributed implements it on
// torch's c10d), and the few collective steps the trainer takes with it. The trainer takes a
// Collective* and runs the single-process path when it is null.
#include <string>
#include <vector>

#include <torch/torch.h>

namespace flowpp {

class Collective {
 public:
  virtual ~Collective() = default;
  virtual int rank() const = 0;
  virtual int worldSize() const = 0;
  // Sums each tensor over all ranks, in place.
  virtual void allReduceSum(std::vector<torch::Tensor>& tensors) = 0;
  // Copies root's tensors to every rank, in place.
  virtual void broadcast(std::vector<torch::Tensor>& tensors, int root = 0) = 0;
};

// The sum over ranks of every parameter's gradient, in a few flat buckets (one call per tensor is
// several times slower). Gloo has no average: callers pre-divide their losses by the global batch.
void allReduceGradients(torch::nn::Module& module, Collective& collective);

// Element i is true on every rank when flags[i] is true on any: how decisions that end or rewind a
// step (time up, stop, pause) are taken together, so no rank leaves the others waiting, in one
// collective call. Null collective: the flags themselves.
std::vector<bool> anyRankTrue(Collective* collective, const std::vector<bool>& flags);

// Rank 0's text on every rank (sent as bytes: the collective moves tensors). Null: the text itself.
std::string broadcastText(Collective* collective, const std::string& text);

}  // namespace flowpp
