#pragma once
// The JSON description a Flow++ model is assembled from (models/*.json). Torch-free, so the studio
// can read and edit configs without compiling against torch.
//
// Parsing is strict: every field is range-checked (the message names the field, the value and the
// allowed range), numbers must be of the field's kind (no 16.7 for an integer, no wrap-around),
// objects must be objects, unknown fields are refused, and nothing may follow the JSON value.
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "model/ConfigTypes.h"

namespace flowpp {

// Thrown for an invalid config (a user error): the message names the field and the problem.
class ConfigError : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

// The largest values a config may give (ModelConfig::fromJson refuses more; the studio's form offers
// no more). Smallest: filters, components and couplings 1, blocks 0.
constexpr int kMaxFilters = 4096, kMaxBlocks = 256, kMaxComponents = 1024, kMaxCouplings = 256;

struct StageConfig {
  bool squeeze = false;  // a space-to-depth step instead of a coupling group
  SplitType split = SplitType::Stripe;
  int couplings = 0;
  std::optional<AttentionMode> attention;  // overrides the flow's default for this stage
};

struct FlowConfig {
  std::string coupling = "mixlogistic";  // or "affine" (the paper's ablation)
  int components = 32;                   // K of the logistic mixture
  bool pointwise = true;                 // invertible 1x1 convolutions in each coupling step
  ConditionerOptions net;                // contextChannels is unused (always 0) in the main flow
  std::vector<StageConfig> stages;
  AttentionMode attentionOf(const StageConfig& s) const { return s.attention.value_or(net.attention); }
};

struct DequantizerConfig {
  std::string type = "variational";      // or "uniform" (the paper's ablation)
  std::string coupling = "mixlogistic";  // or "affine" (the official affine ablation uses it here too)
  int components = 32;
  int couplings = 4;
  int contextBlocks = 3;
  ConditionerOptions net{96, 2, 4, 32, AttentionMode::Self, 0.2, false};
  bool variational() const { return type == "variational"; }
};

struct TrainingDefaults {
  double learningRate = 3e-4;
  int warmupSteps = 2000;
  double lrDecay = 1.0;  // per-step multiplicative decay after warm-up (1 = constant)
  double gradClip = 1.0;  // 0 = no clipping
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
  // One line for lists of runs: "mixlogistic ×32 · variational dequant. · attention self · 96 filters × 10 blocks · batch 64".
  std::string summary() const;
  // `source` names the file in error messages. Throws ConfigError naming the field's path.
  static ModelConfig fromJson(const nlohmann::json& j, const std::string& source = "config");
  static ModelConfig fromText(const std::string& text, const std::string& source = "config");
  static ModelConfig load(const std::string& path);
};

}  // namespace flowpp
