#pragma once
// The JSON description a Flow++ model is assembled from (see models/*.json and docs in README).
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "flows/Partition.h"
#include "nn/ConvAttnBlock.h"

namespace flowpp {

AttentionMode attentionFromString(const std::string& name);  // "self", "none", "pointwise"
std::string toString(AttentionMode mode);

struct StageConfig {
  bool squeeze = false;  // a space-to-depth step instead of a coupling group
  SplitType split = SplitType::Stripe;
  int couplings = 0;
  std::optional<AttentionMode> attention;  // overrides the flow's default for this stage
};

struct FlowConfig {
  std::string coupling = "mixlogistic";  // or "affine" (the paper's ablation)
  int filters = 96;
  int blocks = 10;
  int components = 32;  // K of the logistic mixture
  int heads = 4;
  double dropout = 0.2;
  AttentionMode attention = AttentionMode::Self;
  bool weightNorm = false;
  bool pointwise = true;  // invertible 1x1 convolutions in each coupling step
  std::vector<StageConfig> stages;
};

struct DequantizerConfig {
  std::string type = "variational";  // or "uniform" (the paper's ablation)
  std::string coupling = "mixlogistic";  // or "affine" (the official affine ablation uses it here too)
  int filters = 96;
  int blocks = 2;
  int components = 32;
  int heads = 4;
  int couplings = 4;
  int contextChannels = 32;
  int contextBlocks = 3;
  double dropout = 0.2;
  AttentionMode attention = AttentionMode::Self;
  bool variational() const { return type == "variational"; }
};

struct TrainingDefaults {
  double learningRate = 3e-4;
  int warmupSteps = 2000;
  double lrDecay = 1.0;  // per-step multiplicative decay after warm-up (1 = constant)
  double gradClip = 1.0;
  double emaDecay = 0.999;
  int batchSize = 64;
  int initBatchSize = 128;
};

struct ModelConfig {
  std::string name = "model";
  std::string description;
  int channels = 3, height = 32, width = 32;
  int nBits = 8;
  FlowConfig flow;
  DequantizerConfig dequantizer;
  TrainingDefaults training;

  int64_t dims() const { return int64_t(channels) * height * width; }
  nlohmann::json toJson() const;
  // `source` names the file in error messages. Throws std::invalid_argument with the field's path.
  static ModelConfig fromJson(const nlohmann::json& j, const std::string& source = "config");
  static ModelConfig load(const std::string& path);
};

}  // namespace flowpp
