#include "train/TrainOptions.h"

#include <cmath>
#include <sstream>
#include <stdexcept>

namespace flowpp {

namespace {
constexpr double kHuge = 1e12;

template <typename Field>
TrainOptionSpec spec(std::string name, double min, double max, std::string help, Field TrainOptions::*field) {
  const bool integer = !std::is_floating_point_v<Field>;
  return {std::move(name), min, max, integer, std::move(help), [field](const TrainOptions& o) { return double(o.*field); },
          [field](TrainOptions& o, double v) { o.*field = static_cast<Field>(v); }};
}
}  // namespace

const std::vector<TrainOptionSpec>& trainOptionSpecs() {
  static const std::vector<TrainOptionSpec> specs = {
      spec("--minutes", 0, 1e8, "Stop after this many minutes of wall time in this session (0: no time limit)", &TrainOptions::minutes),
      spec("--steps", 0, kHuge, "Stop at this optimiser step, counted over resumes (0: no step limit)", &TrainOptions::steps),
      spec("--batch-size", 0, 65536, "Images per step (0: the config's)", &TrainOptions::batchSize),
      spec("--seed", 0, kHuge, "Seed for initialisation, data order, dropout and noise", &TrainOptions::seed),
      spec("--log-every", 1, kHuge, "Metrics line every N steps", &TrainOptions::logEvery),
      spec("--eval-every", -1, kHuge,
           "Test bits/dim every N steps (0: at the end only; -1: about 20 times over the run's budget, at most every 200 steps)",
           &TrainOptions::evalEvery),
      spec("--eval-images", 0, kHuge, "Test images per periodic evaluation (0: all)", &TrainOptions::evalImages),
      spec("--checkpoint-every", -1, kHuge,
           "Checkpoint every N steps (-1: about 10 times over the run's budget, at most every 200 steps)",
           &TrainOptions::checkpointEvery),
      spec("--keep", 1, 1000000, "Checkpoints to keep (at least 1: the newest is never deleted)", &TrainOptions::keepCheckpoints),
      spec("--sample-every", 0, kHuge, "Save a 4x4 grid of EMA samples every N steps (0: never)", &TrainOptions::sampleEvery),
      spec("--divergence-factor", 0, 1e6,
           "A step whose loss exceeds this factor times the recent average is skipped as exploding (0: off)",
           &TrainOptions::divergenceFactor),
  };
  return specs;
}

const TrainOptionSpec& trainOptionSpec(const std::string& name) {
  for (const auto& s : trainOptionSpecs())
    if (s.name == name) return s;
  throw std::out_of_range("no training option " + name);
}

void validateTrainOptions(const TrainOptions& o) {
  if (o.runDir.empty()) throw std::invalid_argument("--out: a run folder is required");
  for (const auto& s : trainOptionSpecs()) {
    const double v = s.get(o);
    if (std::isfinite(v) && v >= s.min && v <= s.max) continue;
    std::ostringstream m;
    m << s.name << ": " << v << " is out of range (allowed: " << s.min << " to " << s.max << ")";
    throw std::invalid_argument(m.str());
  }
  if (o.steps == 0 && o.minutes == 0) throw std::invalid_argument("give a budget: --minutes M (> 0) or --steps N (> 0)");
  if (o.checkpointEvery == 0) throw std::invalid_argument("--checkpoint-every: 0 is not an interval (give N >= 1, or -1)");
  if (o.maxBadSteps < 1) throw std::invalid_argument("max bad steps must be at least 1");
  if (o.resume && !o.initFrom.empty()) throw std::invalid_argument("--init-from starts a new run; it cannot be combined with --resume");
}

}  // namespace flowpp
