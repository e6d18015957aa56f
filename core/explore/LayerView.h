#pragma once
// The layers view: what every layer of the flow does to one image. Forward: the tensor after each
// layer as image tiles, and each layer's term of log p(x) per pixel, in bits (the terms of the
// likelihood breakdown: they sum to the image's bound). Inverse: a sample decoded layer by layer
// from z, with the Newton iterations each layer's couplings took.
#include "explore/Reports.h"
#include "model/FlowPlusPlus.h"

namespace flowpp {

// `image8`: [C, H, W] uint8 at the model's shape; one dequantization draw from `seed`.
LayersReport layersReport(FlowPlusPlus& model, const torch::Tensor& image8, uint64_t seed);
// The inverse pass of the sample z = temperature * eps, eps from `seed`.
LayersReport sampleLayersReport(FlowPlusPlus& model, double temperature, uint64_t seed);

}  // namespace flowpp
