#include "train/TrainOptions.h"

#include <cmath>
#include <sstream>
#include <stdexcept>

namespace flowpp {

namespace {
template <typename T>
void inRange(const char* option, T value, T lo, T hi) {
  const bool ok = std::isfinite(double(value)) && value >= lo && value <= hi;
  if (ok) return;
  std::ostringstream s;
  s << option << ": " << value << " is out of range (allowed: " << lo << " to " << hi << ")";
  throw std::invalid_argument(s.str());
}
}  // namespace

void validateTrainOptions(const TrainOptions& o) {
  constexpr int64_t kHuge = 1000000000000LL;
  if (o.runDir.empty()) throw std::invalid_argument("--out: a run folder is required");
  inRange<int64_t>("--steps", o.steps, 0, kHuge);
  inRange<double>("--minutes", o.minutes, 0, 1e8);
  if (o.steps == 0 && o.minutes == 0) throw std::invalid_argument("give a budget: --minutes M (> 0) or --steps N (> 0)");
  inRange<int64_t>("--batch-size", o.batchSize, 0, 65536);
  inRange<int64_t>("--log-every", o.logEvery, 1, kHuge);
  inRange<int64_t>("--eval-every", o.evalEvery, 0, kHuge);
  inRange<int64_t>("--eval-images", o.evalImages, 0, kHuge);
  inRange<int64_t>("--checkpoint-every", o.checkpointEvery, 1, kHuge);
  inRange<int>("--keep", o.keepCheckpoints, 1, 1000000);
  inRange<int64_t>("--sample-every", o.sampleEvery, 0, kHuge);
  inRange<int>("max bad steps", o.maxBadSteps, 1, 1000000);
  inRange<double>("--divergence-factor", o.divergenceFactor, 0, 1e6);
  if (o.resume && !o.initFrom.empty()) throw std::invalid_argument("--init-from starts a new run; it cannot be combined with --resume");
}

}  // namespace flowpp
