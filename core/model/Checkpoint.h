#pragma once
// Checkpoint files (*.fpp). A checkpoint is a dictionary written with torch::pickle_save, the
// format of Python's torch.save, so `torch.load("model.fpp")` reads it as:
//   {"format": "flowpp-checkpoint-2", "config": <JSON string>, "meta": <JSON string>,
//    "weights": {name: tensor}            # the weights to use (EMA weights for a training run)
//    "train": {name: tensor},             # optional: raw weights, Adam moments (for --resume)
//    "checksum": "crc32:<8 hex digits>"}  # over the format, config, meta and every tensor
// The checksum is verified on load: a flipped byte or a config edited inside the file is refused.
// Version-1 files (no checksum) are refused too, since their damage cannot be detected, unless the
// caller accepts them explicitly (`flowpp export --accept-unverified` converts one to version 2).
#include <map>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include "model/FlowPlusPlus.h"

namespace flowpp {

using TensorMap = std::map<std::string, torch::Tensor>;

// A checkpoint or model file that cannot be used: unreadable, corrupt, or not a Flow++ model.
class CheckpointError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct Checkpoint {
  ModelConfig config;
  nlohmann::json meta = nlohmann::json::object();  // step, metrics, training options, ...
  TensorMap weights;
  TensorMap train;        // empty for an inference-only file
  bool verified = false;  // the checksum was present and matched (false only for an accepted version-1 file)
};

// Named parameters and buffers of a module (detached, on the CPU).
TensorMap stateOf(const torch::nn::Module& module);
// Copies `state` into the module; throws CheckpointError on a missing name, a shape mismatch or a
// non-finite value.
void loadState(torch::nn::Module& module, const TensorMap& state, const std::string& source);
// Copies state[name] into `target` with the same checks (copy_ alone would broadcast a wrong shape
// in silence). What the model, EMA and optimiser states are loaded with.
void loadTensor(torch::Tensor& target, const TensorMap& state, const std::string& name, const std::string& source);

// Atomic write. With halfPrecision the weights are stored as float16 (the model should then be
// used with the rounded weights: see roundWeightsToHalf).
void saveCheckpoint(const std::string& path, const Checkpoint& checkpoint, bool halfPrecision = false);
// Throws CheckpointError naming the file and the problem.
Checkpoint readCheckpoint(const std::string& path, bool acceptUnverified = false);
// The same from the file's bytes (`source` names it in messages).
Checkpoint checkpointFromBytes(const std::string& bytes, const std::string& source, bool acceptUnverified = false);

// A model ready for inference from a checkpoint file, a run folder (its newest checkpoint), or a
// config JSON (fresh weights; the caller must dataInit it).
struct LoadedModel {
  FlowPlusPlus model{nullptr};
  nlohmann::json meta;
  std::string path;
  bool fresh = false;     // built from a config: weights not trained, needs dataInit
  bool verified = true;   // false for an accepted version-1 checkpoint without a checksum
};
LoadedModel loadModel(const std::string& path, uint64_t seed = 0, bool acceptUnverified = false);

void roundWeightsToHalf(torch::nn::Module& module);

}  // namespace flowpp
