#pragma once
// The playground's target distributions: samples and a density estimate for display.
#include <torch/torch.h>

#include "toy/ToyTypes.h"

namespace flowpp {

// Throws std::invalid_argument naming what is wrong with a painted target (size, negative or
// non-finite weights, nothing painted).
void validateToyTarget(const ToyTarget& target);

// n points [n, 2] from the target, drawn from the thread's RandomScope.
torch::Tensor sampleToyTarget(const ToyTarget& target, int64_t n);

// The target's density on a grid x grid raster of the square (row 0 at the top), estimated by a
// histogram of many samples; it integrates to 1 over the square.
std::vector<double> toyTargetDensity(const ToyTarget& target, int grid, uint64_t seed);

// Cell centres of a grid x grid raster of the square, row-major from the top left: [grid^2, 2].
torch::Tensor toyGridPoints(int grid, double extent = kToyExtent);

}  // namespace flowpp
