#pragma once
// Checkpoint files (*.fpp). A checkpoint is a dictionary written with torch::pickle_save, the
// format of Python's torch.save, so `torch.load("model.fpp")` reads it as:
//   {"format": "flowpp-checkpoint-1", "config": <JSON string>, "meta": <JSON string>,
//    "weights": {name: tensor}            # the weights to use (EMA weights for a training run)
//    "train": {name: tensor}}             # optional: raw weights, Adam moments (for --resume)
#include <map>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include "model/FlowPlusPlus.h"

namespace flowpp {

using TensorMap = std::map<std::string, torch::Tensor>;

struct Checkpoint {
  ModelConfig config;
  nlohmann::json meta = nlohmann::json::object();  // step, metrics, training options, ...
  TensorMap weights;
  TensorMap train;  // empty for an inference-only file
};

// Named parameters and buffers of a module (detached, on the CPU).
TensorMap stateOf(const torch::nn::Module& module);
// Copies `state` into the module; throws std::runtime_error on a missing name or a shape mismatch.
void loadState(torch::nn::Module& module, const TensorMap& state, const std::string& source);

// Atomic write. With halfPrecision the weights are stored as float16 (the model should then be
// used with the rounded weights: see roundWeightsToHalf).
void saveCheckpoint(const std::string& path, const Checkpoint& checkpoint, bool halfPrecision = false);
Checkpoint readCheckpoint(const std::string& path);  // throws with the file name and the problem

// A model ready for inference from a checkpoint file, a run folder (its newest checkpoint), or a
// config JSON (fresh weights; the caller must dataInit it).
struct LoadedModel {
  FlowPlusPlus model{nullptr};
  nlohmann::json meta;
  std::string path;
  bool fresh = false;  // built from a config: weights not trained, needs dataInit
};
LoadedModel loadModel(const std::string& path, uint64_t seed = 0);
std::string newestCheckpointIn(const std::string& runDir);  // "" when there is none

void roundWeightsToHalf(torch::nn::Module& module);

}  // namespace flowpp
