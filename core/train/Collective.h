#pragma once
// What data-parallel training needs from a process group (core/train/Distributed implements it on
// torch's c10d). The trainer takes a Collective* and runs the single-process path when it is null.
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

}  // namespace flowpp
