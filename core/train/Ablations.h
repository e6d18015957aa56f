#pragma once
// The paper's ablations of a config (Table 2): uniform dequantization, affine coupling, no
// self-attention, each differing from the full model only in the ablated part and, as the paper
// did, widened (more filters) until its parameter count matches the full model's.
#include <string>
#include <vector>

#include "model/ModelConfig.h"

namespace flowpp {

struct AblationVariant {
  std::string name;  // "full", "uniform-dequant", "affine", "no-attention"
  ModelConfig config;
  int64_t parameters = 0;
};

// Variants with parameter counts within `tolerance` (relative) of the full model where widening
// can reach it; `parameters` says what each got. Counts come from the config (model/Footprint), so
// this takes microseconds and builds no model.
std::vector<AblationVariant> ablationVariants(const ModelConfig& full, double tolerance = 0.02);

}  // namespace flowpp
