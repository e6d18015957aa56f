#pragma once
// PNG figures of the toy experiments for `flowpp toy` (OpenCV drawing).
#include <string>

#include "toy/ToyTypes.h"

namespace flowpp::cli {

enum class ToyPlotWhich { Mixture, Affine, Both };

std::string frameName(int index);  // frame-00001.png

// Top row: the target's density and each flow's; bottom row: each flow's warped grid with the data
// at the frame's layer, and the NLL curves. A title line gives the step and the held-out NLLs.
std::string toyFramePng(const ToyFrame& frame, ToyPlotWhich which);

// The data's probabilities as bars with both fitted densities over them, and the bounds and gaps.
std::string dequant1dPng(const Dequant1DReport& report);

}  // namespace flowpp::cli
