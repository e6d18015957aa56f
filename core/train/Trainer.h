#pragma once
// The one training loop of Flow++ Studio, used by `flowpp train` and the studio's training panel.
// Adam with linear warm-up and optional decay, global-norm clipping, EMA weights, periodic test
// evaluation, JSON-lines metrics, atomic checkpoints (exact --resume), and a NaN/Inf guard.
//
// Run folder: config.json, metrics.jsonl, checkpoints/ckpt-<step>.fpp, samples/step-<step>.png.
#include <atomic>
#include <functional>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "data/Dataset.h"
#include "model/ModelConfig.h"

namespace flowpp {

struct TrainOptions {
  std::string runDir;
  int64_t steps = 0;     // stop after this many optimiser steps (0: no step limit)
  double minutes = 0;    // stop after this much wall time in this session (0: no time limit)
  int64_t batchSize = 0;  // 0: the config's
  uint64_t seed = 0;
  std::string device = "cpu";
  bool resume = false;  // continue from the newest checkpoint in runDir
  int64_t logEvery = 10;
  int64_t evalEvery = 200;    // test bits/dim every N steps (0: only at the end)
  int64_t evalImages = 1000;  // test images used by the periodic evaluation
  int64_t checkpointEvery = 200;
  int keepCheckpoints = 3;
  int64_t sampleEvery = 0;  // save a grid of EMA samples every N steps (0: never)
  int maxBadSteps = 3;      // consecutive non-finite steps before restoring the last good state
  double divergenceBpd = 0;  // > 0: a train bits/dim above this counts as a bad step (exploding loss)
  int64_t injectNanAtStep = -1;  // testing hook: poison the loss of this step
};

struct TrainSummary {
  int64_t step = 0;
  double lastTrainBpd = 0;
  std::optional<double> lastTestBpd;
  bool stoppedByUser = false;
  bool diverged = false;  // stopped after repeated bad steps could not be recovered
  std::string checkpoint;
};

using MetricsCallback = std::function<void(const nlohmann::json&)>;

// Runs training. `config` is used for a new run (ignored on resume, where the run's own config is
// read back). Metrics lines (also written to metrics.jsonl) and events ({"event": ...}) go to
// onMetrics. Setting *stop ends the run after the current step, with a checkpoint.
TrainSummary train(const ModelConfig& config, const ImageDataset& trainData, const ImageDataset* testData,
                   const TrainOptions& options, const std::atomic<bool>* stop = nullptr,
                   const MetricsCallback& onMetrics = {});

// Learning rate at a step: linear warm-up to `peak` over `warmup` steps, then decay^(step-warmup).
double learningRateAt(int64_t step, double peak, int warmup, double decay);

}  // namespace flowpp
