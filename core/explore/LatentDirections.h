#pragma once
// Directions in the latent space to move an image along (the Glow demo's attribute manipulation):
// for labelled data each class's mean latent minus the data's mean, and "class A → class B"
// (mean_B − mean_A); for any data the principal directions of the latents. An image's latent is
// encode(x) (u = 0.5, an exact round trip), so moving by 0 gives the image back exactly.
// One unit along a direction: a class direction's full offset, or one standard deviation of the
// data along a principal direction.
#include <string>
#include <vector>

#include "explore/Reports.h"
#include "model/FlowPlusPlus.h"

namespace flowpp {

struct LatentDirection {
  std::string name;
  torch::Tensor direction;  // the latent's shape without the batch, float32 on the CPU: one unit
};

struct LatentDirectionSet {
  std::vector<LatentDirection> directions;  // class means (when labelled), then principal directions
  std::vector<std::string> classes;         // labelled data: class names, indexed by label
  torch::Tensor classMeans;                 // [classes, D] float64: each class's mean latent (flattened)
  torch::Tensor mean;                       // [D] float64: the data's mean latent
  std::vector<double> principalVariances;   // the data's variance along each principal direction
  int64_t images = 0;
  bool cancelled = false;
};

// images8: uint8 [N, C, H, W] at the model's shape; labels empty or one per image (values index
// `classes`). At most `maxImages` images are encoded (the first ones); `principal` directions.
LatentDirectionSet computeLatentDirections(FlowPlusPlus& model, const torch::Tensor& images8, const std::vector<int64_t>& labels,
                                           const std::vector<std::string>& classes, int principal = 5, int64_t maxImages = 2000,
                                           const ProgressFn& progress = {});

// From class a's mean to class b's: one unit moves a's mean onto b's.
LatentDirection classToClass(const LatentDirectionSet& set, int a, int b);

// The image (uint8 [C, H, W]) with its latent moved `amount` units along `direction`, decoded.
Pixels8 moveAlong(FlowPlusPlus& model, const torch::Tensor& image8, const torch::Tensor& direction, double amount);

}  // namespace flowpp
