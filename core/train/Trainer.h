#pragma once
// The one training loop of Flow++ Studio, used by `flowpp train` and the studio's training panel.
// Adam with linear warm-up and optional decay, global-norm clipping, EMA weights, periodic test
// evaluation, JSON-lines metrics, atomic checkpoints (exact --resume), a NaN/Inf and exploding-loss
// guard, and data parallelism over a Collective (one process when it is null).
//
// A run is a pure function of its seed: the batch of a step is a function of (seed, step), each
// image's dequantization noise of (seed, step, its place in the global batch), dropout masks of
// (seed, step, rank). So a resumed run continues bit for bit, and the sequence of global batches and
// their noise is the same for any number of processes.
#include <atomic>
#include <functional>

#include <nlohmann/json.hpp>

#include "data/Dataset.h"
#include "model/ModelConfig.h"
#include "train/Collective.h"
#include "train/TrainOptions.h"

namespace flowpp {

using MetricsCallback = std::function<void(const nlohmann::json&)>;

// Runs training. `config` is used for a new run (ignored on resume, where the run's own config is
// read back). Metrics lines (also written to metrics.jsonl) and events ({"event": ...}) go to
// onMetrics. Setting *stop ends the run after the current step, with a checkpoint.
TrainSummary train(const ModelConfig& config, const ImageDataset& trainData, const ImageDataset* testData,
                   const TrainOptions& options, const std::atomic<bool>* stop = nullptr,
                   const MetricsCallback& onMetrics = {}, Collective* collective = nullptr);

// Learning rate at a step: linear warm-up to `peak` over `warmup` steps, then decay^(step-warmup).
double learningRateAt(int64_t step, double peak, int warmup, double decay);

}  // namespace flowpp
