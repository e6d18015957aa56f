#pragma once
// Options and results of a training run (torch-free: the studio's form fills them directly).
#include <cstdint>
#include <optional>
#include <string>

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
  int64_t evalEvery = 200;    // test bits/dim every N steps (0: only at the end)
  int64_t evalImages = 1000;  // test images used by the periodic evaluation
  int64_t checkpointEvery = 200;
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

// Throws std::invalid_argument naming the option (as spelled on the command line), the value and
// the allowed range.
void validateTrainOptions(const TrainOptions& options);

}  // namespace flowpp
