#pragma once
// Options and results of a training run (torch-free: the studio's form fills them directly), and
// the one table of the numeric options' names, ranges, defaults and help: the CLI builds its options
// from it, validateTrainOptions checks against it, the studio's form takes its ranges from it.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace flowpp {

struct TrainOptions {
  std::string runDir;
  int64_t steps = 0;      // stop after this many optimiser steps (0: no step limit)
  double minutes = 0;     // stop after this much wall time in this session (0: no time limit)
  int64_t batchSize = 0;  // global batch; 0: the config's
  uint64_t seed = 0;
  std::string device = "cpu";
  bool resume = false;       // continue from the newest checkpoint in runDir
  std::string initFrom;      // a new run starts from these weights (a checkpoint with the same config)
  int64_t logEvery = 10;
  // Test bits/dim and checkpoints every N steps; kByBudget scales them with the run's budget (about
  // 20 evaluations and 10 checkpoints, at most every 200 steps), so a short run still has a curve.
  static constexpr int64_t kByBudget = -1;
  int64_t evalEvery = kByBudget;   // 0: only at the end
  int64_t evalImages = 1000;       // test images used by the periodic evaluation
  int64_t checkpointEvery = kByBudget;
  int keepCheckpoints = 3;   // >= 1: the newest checkpoint is always kept
  int64_t sampleEvery = 0;   // save a grid of EMA samples every N steps (0: never)
  int maxBadSteps = 3;       // consecutive non-finite steps before restoring the last good state
  // A step whose train bits/dim exceeds this factor times the recent average counts as a bad step
  // (an exploding loss); 0 disables. Only after the first 50 steps, when the average means something.
  double divergenceFactor = 3.0;
  bool pauseOnBadStep = false;  // end the run (with a checkpoint) at the first bad step: the studio's pause
  int64_t injectNanAtStep = -1;       // testing hook: poison the loss of this step
  int64_t injectKillInCheckpoint = -1;  // testing hook: SIGKILL itself halfway through writing this step's checkpoint
};

struct TrainSummary {
  int64_t step = 0;
  double lastTrainBpd = 0;
  std::optional<double> lastTestBpd;
  bool stoppedByUser = false;
  bool timeUp = false;
  bool diverged = false;    // stopped after repeated bad steps could not be recovered
  bool pausedOnBadStep = false;
  std::string badStepMessage;
  std::string checkpoint;
};

// A numeric option of a training run. The default is whatever a fresh TrainOptions holds.
struct TrainOptionSpec {
  std::string name;  // as on the command line: "--log-every"
  double min, max;   // inclusive
  bool integer;
  std::string help;
  std::function<double(const TrainOptions&)> get;
  std::function<void(TrainOptions&, double)> set;
  double defaultValue() const { return get(TrainOptions{}); }
};

const std::vector<TrainOptionSpec>& trainOptionSpecs();
const TrainOptionSpec& trainOptionSpec(const std::string& name);  // throws std::out_of_range

// Throws std::invalid_argument naming the option (as spelled on the command line), the value and
// the allowed range.
void validateTrainOptions(const TrainOptions& options);

}  // namespace flowpp
