#pragma once
// The playground's experiment: a mixture-of-logistics 2-D flow and an affine one with (almost) the
// same number of parameters, trained side by side on the same batches of a target, and the views
// the studio and `flowpp toy` draw. Torch-free header; use from one thread at a time.
#include <memory>

#include "toy/ToyTypes.h"

namespace flowpp {

class ToyLab {
 public:
  // Throws std::invalid_argument naming a bad option (ranges are in validateToyLabOptions).
  explicit ToyLab(const ToyLabOptions& options);
  ~ToyLab();
  ToyLab(const ToyLab&) = delete;
  ToyLab& operator=(const ToyLab&) = delete;

  const ToyLabOptions& options() const;
  int64_t step() const;
  // Both flows, on the same batches. Throws std::runtime_error when a flow's loss stops being finite
  // (the lab stays usable: reset it, or lower the learning rate).
  void train(int steps);
  // The views at `grid` x `grid` density resolution, the layer view at `layer` (clamped to
  // [0, layers]), `points` samples and data points per view.
  ToyFrame frame(int grid, int layer, int points = 800) const;
  // Mean NLL in nats on a fixed held-out set of 4096 target points.
  double testNll(bool mixture) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> d_;
};

void validateToyLabOptions(const ToyLabOptions& options);

}  // namespace flowpp
