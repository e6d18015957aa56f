#include "train/Trainer.h"

#include <chrono>
#include <cmath>
#include <cstring>
#include <filesystem>

#include "data/ImageIo.h"
#include "explore/Evaluation.h"
#include "model/Checkpoint.h"
#include "model/Footprint.h"
#include "train/Adam.h"
#include "train/Ema.h"
#include "train/ResumePoint.h"
#include "train/RunFolder.h"
#include "train/TrainStep.h"
#include "util/AtomicFile.h"
#include "util/Device.h"
#include "util/Random.h"

namespace flowpp {

namespace fs = std::filesystem;
using nlohmann::json;
using Clock = std::chrono::steady_clock;

double learningRateAt(int64_t step, double peak, int warmup, double decay) {
  double lr = peak * std::min(1.0, static_cast<double>(step + 1) / std::max(1, warmup));
  if (step > warmup && decay != 1.0) lr *= std::pow(decay, static_cast<double>(step - warmup));
  return lr;
}

namespace {

// Train bits/dim of the steps since the last metrics line. It is part of the checkpoint, so a run
// stopped between two lines logs the same averages after a resume as a run that never stopped.
struct LogWindow {
  double bpdSum = 0, gradSum = 0, seconds = 0;
  int64_t count = 0;
  json toJson() const { return {{"bpd_sum", bpdSum}, {"grad_sum", gradSum}, {"count", count}, {"seconds", seconds}}; }
  static LogWindow fromJson(const json& j) {
    LogWindow w;
    if (!j.is_object()) return w;
    w.bpdSum = j.value("bpd_sum", 0.0), w.gradSum = j.value("grad_sum", 0.0);
    w.count = j.value("count", int64_t(0)), w.seconds = j.value("seconds", 0.0);
    return w;
  }
};

class Run {
 public:
  Run(const ModelConfig& config, const ImageDataset& train, const ImageDataset* test, const TrainOptions& o,
      const std::atomic<bool>* stop, const MetricsCallback& cb, Collective* collective);
  TrainSummary run();

 private:
  void loop(TrainSummary& summary);
  void finish(TrainSummary& summary);
  bool leader() const { return rank_ == 0; }
  void setUp(const ModelConfig& config);
  void initialise();
  void restore(const Checkpoint& ck, const std::string& path, const std::vector<std::string>& skipped);
  void broadcastState();
  StepGradient trainStep();
  torch::Tensor localNoise(int64_t step);
  bool handleBadStep(const StepGradient& s, TrainSummary& summary);
  void emit(json j);
  void logLine(double lr, bool withTest, TrainSummary& summary);
  // The test and checkpoint intervals in steps. Given ones are used as they are; those left to the
  // budget (TrainOptions::kByBudget) come from the steps budget or, under a time budget, from the
  // speed of this session's first 10 steps (rank 0's, for every rank: evaluation is collective).
  // Decided once per run and kept in its checkpoints, so a resumed run evaluates at the same steps.
  struct Intervals {
    int64_t eval = -1, checkpoint = -1;  // -1: not decided yet (eval 0: at the end only)
    bool known() const { return eval >= 0 && checkpoint >= 0; }
  };
  Intervals intervalsFor(double sessionSeconds);
  void saveCheckpoint();
  // The test bound (ELBO, bits/dim) and its standard error over the test images.
  struct TestBound {
    double bpd, standardError;
  };
  std::optional<TestBound> testBpd();
  void recordTest(TrainSummary& summary, json& into);
  void saveSamples();
  TensorMap trainState() const;
  void loadTrainState(const TensorMap& state, const std::string& source);
  double wallSeconds() const { return priorWallSeconds_ + std::chrono::duration<double>(Clock::now() - start_).count(); }

  TrainOptions o_;
  const ImageDataset& train_;
  const ImageDataset* test_;
  const std::atomic<bool>* stop_;
  MetricsCallback cb_;
  Collective* collective_;
  int rank_ = 0, world_ = 1;
  torch::Device device_;
  std::unique_ptr<RunFolder> folder_;  // the leader's only
  ModelConfig config_;
  FlowPlusPlus model_{nullptr};
  int64_t batchSize_ = 0, localBatch_ = 0;
  std::unique_ptr<Batcher> batcher_;
  std::unique_ptr<Adam> adam_;
  std::unique_ptr<Ema> ema_;
  int64_t step_ = 0, lastGoodStep_ = 0;
  double priorWallSeconds_ = 0, recentBpd_ = 0, lastLr_ = 0;
  bool tookStep_ = false;  // in this session (a resumed run that stops at once logs nothing new)
  int64_t sessionSteps_ = 0;
  Intervals intervals_;
  Clock::time_point start_ = Clock::now();
  TensorMap lastGood_;
  LogWindow window_;
  json last_ = json::object();
  int badInRow_ = 0;
};

Run::Run(const ModelConfig& config, const ImageDataset& train, const ImageDataset* test, const TrainOptions& o,
         const std::atomic<bool>* stop, const MetricsCallback& cb, Collective* collective)
    : o_(o), train_(train), test_(test), stop_(stop), cb_(cb), collective_(collective), device_(deviceFromName(o.device)) {
  validateTrainOptions(o);
  if (collective_) rank_ = collective_->rank(), world_ = collective_->worldSize();
  std::optional<Checkpoint> resumed;
  std::string resumeFrom;
  std::vector<std::string> skipped;
  if (leader()) {
    folder_ = std::make_unique<RunFolder>(o.runDir, o.resume);
    if (o.resume) {
      auto point = findResumePoint(o.runDir);
      resumed = readCheckpoint(resumeFrom = point.checkpoint);
      skipped = point.skipped;
    }
  }
  // On resume only the leader has read the run's config: every rank builds the same model from it.
  const auto text = broadcastText(collective_, resumed ? resumed->config.toJson().dump() : config.toJson().dump());
  setUp(ModelConfig::fromText(text, "the run's config"));
  ema_ = std::make_unique<Ema>(*model_, config_.training.emaDecay);
  if (resumed) restore(*resumed, resumeFrom, skipped);
  else if (leader()) initialise();
  broadcastState();
  if (!resumed && leader()) {
    writeFileAtomically(folder_->file("config.json"), config_.toJson().dump(2));
    folder_->openMetrics(-1);
    emit({{"event", "start"}, {"parameters", model_->parameterCount()}, {"device", device_.str()},
          {"batch_size", batchSize_}, {"processes", world_}, {"config", config_.name}, {"seed", o_.seed}});
  }
}

void Run::setUp(const ModelConfig& config) {
  config_ = config;
  requireShape(train_, {config_.channels, config_.height, config_.width});
  if (test_) requireShape(*test_, {config_.channels, config_.height, config_.width});
  batchSize_ = std::min<int64_t>(o_.batchSize > 0 ? o_.batchSize : config_.training.batchSize, train_.size());
  if (batchSize_ % world_ != 0)
    throw std::invalid_argument("the global batch (" + std::to_string(batchSize_) + ") must be divisible by the " +
                                std::to_string(world_) + " processes");
  localBatch_ = batchSize_ / world_;
  requireMemory(estimateFootprint(config_, localBatch_).trainingBytes,
                "training '" + config_.name + "' at batch " + std::to_string(localBatch_));
  model_ = buildModel(config_, o_.seed);
  model_->to(device_);
  batcher_ = std::make_unique<Batcher>(train_.size(), batchSize_, o_.seed);
  adam_ = std::make_unique<Adam>(*model_);
}

void Run::initialise() {
  if (!o_.initFrom.empty()) {
    auto ck = readCheckpoint(o_.initFrom);
    if (ck.config.toJson()["flow"] != config_.toJson()["flow"] || ck.config.toJson()["dequantizer"] != config_.toJson()["dequantizer"])
      throw std::invalid_argument("--init-from " + o_.initFrom + ": its architecture differs from the config's");
    loadState(*model_, ck.weights, o_.initFrom);
  } else {
    // Data-dependent init on a seeded batch of init_batch_size images (official: 128).
    const auto n = std::min<int64_t>(config_.training.initBatchSize, train_.size());
    auto gen = makeGenerator(o_.seed + 7);
    auto idx = torch::randperm(train_.size(), gen, torch::kLong).narrow(0, 0, n);
    RandomScope scope(mixSeed({o_.seed, 0x1d1}));
    model_->dataInit(quantize(train_.images.index_select(0, idx), config_.nBits).to(device_));
  }
  ema_ = std::make_unique<Ema>(*model_, config_.training.emaDecay);  // starts at the initial weights
  lastGood_ = trainState();
}

void Run::restore(const Checkpoint& ck, const std::string& path, const std::vector<std::string>& skipped) {
  loadTrainState(ck.train, path);
  step_ = ck.meta.value("step", int64_t(0));
  priorWallSeconds_ = ck.meta.value("wall_seconds", 0.0);
  recentBpd_ = ck.meta.value("recent_bpd", 0.0);
  window_ = LogWindow::fromJson(ck.meta.value("log_window", json::object()));
  const bool evalByBudget = o_.evalEvery == TrainOptions::kByBudget, checkpointByBudget = o_.checkpointEvery == TrainOptions::kByBudget;
  intervals_ = {evalByBudget ? ck.meta.value("eval_every", int64_t(-1)) : o_.evalEvery,
                checkpointByBudget ? ck.meta.value("checkpoint_every", int64_t(-1)) : o_.checkpointEvery};
  lastGood_ = ck.train;
  lastGoodStep_ = step_;
  const int setAside = folder_->openMetrics(step_);
  json event = {{"event", "resume"}, {"step", step_}, {"checkpoint", path}, {"processes", world_},
                {"parameters", model_->parameterCount()}, {"config", config_.name}};
  std::string warning;
  for (const auto& s : skipped) warning += (warning.empty() ? "passed over " : "; ") + s;
  if (setAside > 0)
    warning += (warning.empty() ? "" : "; ") + std::to_string(setAside) +
               " unreadable line(s) of metrics.jsonl moved to metrics-unreadable.txt";
  if (!warning.empty()) event["warning"] = warning;
  emit(event);
}

// Every rank starts from the leader's weights, EMA, optimiser state and counters.
void Run::broadcastState() {
  if (!collective_) return;
  auto state = trainState();
  std::vector<torch::Tensor> tensors;
  for (auto& [name, t] : state) tensors.push_back(t.to(device_));
  tensors.push_back(torch::tensor({double(step_), priorWallSeconds_, recentBpd_, window_.bpdSum, window_.gradSum,
                                   double(window_.count), double(intervals_.eval), double(intervals_.checkpoint)},
                                  torch::kDouble).to(device_));
  collective_->broadcast(tensors, 0);
  size_t i = 0;
  for (auto& [name, t] : state) t = tensors[i++].cpu();
  loadTrainState(state, "the leader's state");
  auto c = tensors.back().cpu();
  step_ = int64_t(c[0].item<double>()), priorWallSeconds_ = c[1].item<double>(), recentBpd_ = c[2].item<double>();
  window_.bpdSum = c[3].item<double>(), window_.gradSum = c[4].item<double>(), window_.count = int64_t(c[5].item<double>());
  intervals_ = {int64_t(c[6].item<double>()), int64_t(c[7].item<double>())};
  lastGood_ = state;
  lastGoodStep_ = step_;
}

torch::Tensor Run::localNoise(int64_t step) {
  std::vector<torch::Tensor> parts;
  for (int64_t i = rank_ * localBatch_; i < (rank_ + 1) * localBatch_; ++i) {
    RandomScope scope(mixSeed({o_.seed, uint64_t(step), uint64_t(i), 0xd9}));
    parts.push_back(model_->drawNoise(1));
  }
  return torch::cat(parts);
}

StepGradient Run::trainStep() {
  auto idx = batcher_->indices(step_).narrow(0, rank_ * localBatch_, localBatch_);
  StepInputs in;
  in.x = quantize(train_.images.index_select(0, idx), config_.nBits).to(device_);
  in.noise = localNoise(step_);
  in.globalBatch = batchSize_;
  in.gradClip = config_.training.gradClip;
  in.poisonLoss = step_ == o_.injectNanAtStep;
  RandomScope dropoutScope(mixSeed({o_.seed, uint64_t(step_), uint64_t(rank_), 0xd0}));
  return computeStepGradient(model_, in, collective_);
}

// Returns true when the run must end here (diverged, or paused at a bad step).
bool Run::handleBadStep(const StepGradient& s, TrainSummary& summary) {
  ++badInRow_;
  const std::string why = !s.finite ? "non-finite loss or gradient" : "exploding loss";
  summary.badStepMessage = why + " at step " + std::to_string(step_ + 1) + ": step skipped (" +
                           std::to_string(badInRow_) + " in a row)";
  emit({{"event", "bad_step"}, {"step", step_ + 1}, {"train_bpd", std::isfinite(s.bpd) ? json(s.bpd) : json("nan")},
        {"grad_norm", std::isfinite(s.gradNorm) ? json(s.gradNorm) : json("nan")}, {"message", summary.badStepMessage}});
  if (o_.pauseOnBadStep) {
    summary.pausedOnBadStep = true;
    return true;
  }
  if (badInRow_ >= o_.maxBadSteps) {
    loadTrainState(lastGood_, "last good state");
    emit({{"event", "restored"}, {"step", step_ + 1}, {"restored_step", lastGoodStep_},
          {"message", "restored the weights, EMA and optimiser state of step " + std::to_string(lastGoodStep_) +
                          " after " + std::to_string(badInRow_) + " bad steps"}});
    if (badInRow_ >= 2 * o_.maxBadSteps) {
      summary.diverged = true;
      return true;
    }
  }
  return false;
}

TrainSummary Run::run() {
  TrainSummary summary;
  try {
    loop(summary);
    finish(summary);
  } catch (const AppendError& e) {
    // The metrics log cannot go on (a full disk, say): stop here with a checkpoint rather than train
    // on with a log that ends early.
    std::string saved;
    try {
      saveCheckpoint();
      saved = "training stopped at step " + std::to_string(step_) + " with a checkpoint; resume with --resume once it can be written";
    } catch (const std::exception& c) {
      saved = "training stopped at step " + std::to_string(step_) + ", and its checkpoint failed too (" + c.what() + ")";
    }
    throw std::runtime_error(std::string(e.what()) + "; " + saved);
  }
  return summary;
}

void Run::loop(TrainSummary& summary) {
  const auto sessionStart = Clock::now();
  auto windowStart = Clock::now();
  model_->train();
  while (true) {
    if (o_.steps > 0 && step_ >= o_.steps) break;
    // Every rank takes the same decision from the same agreed flags: a rank whose clock passed the
    // limit first must not evaluate (a collective) while its peers do not.
    const bool timeUp = o_.minutes > 0 && std::chrono::duration<double>(Clock::now() - sessionStart).count() >= o_.minutes * 60;
    const bool userStop = stop_ && stop_->load();
    const auto agreed = anyRankTrue(collective_, std::vector<bool>{timeUp, userStop});
    if (agreed[0] || agreed[1]) {
      summary.timeUp = agreed[0], summary.stoppedByUser = agreed[1];
      break;
    }
    const auto s = trainStep();
    const bool exploding = o_.divergenceFactor > 0 && step_ >= 50 && s.bpd > o_.divergenceFactor * recentBpd_;
    if (!s.finite || exploding) {
      const bool end = handleBadStep(s, summary);
      ++step_;  // the bad step is skipped: no update, its number is used up
      if (end) break;
      continue;
    }
    badInRow_ = 0;
    const double lr = learningRateAt(step_, config_.training.learningRate, config_.training.warmupSteps, config_.training.lrDecay);
    lastLr_ = lr, tookStep_ = true, ++sessionSteps_;
    adam_->step(lr);
    ema_->update(step_);
    ++step_;
    recentBpd_ = step_ == 1 ? s.bpd : 0.98 * recentBpd_ + 0.02 * s.bpd;
    window_.bpdSum += s.bpd, window_.gradSum += s.gradNorm, ++window_.count;
    window_.seconds += std::chrono::duration<double>(Clock::now() - windowStart).count();
    windowStart = Clock::now();
    summary.lastTrainBpd = s.bpd;
    const bool final = o_.steps > 0 && step_ >= o_.steps;
    if (!intervals_.known()) intervals_ = intervalsFor(std::chrono::duration<double>(Clock::now() - sessionStart).count());
    const bool evalNow = intervals_.eval > 0 && step_ % intervals_.eval == 0;
    if (step_ % o_.logEvery == 0 || final) logLine(lr, evalNow || final, summary);
    if (o_.sampleEvery > 0 && step_ % o_.sampleEvery == 0) saveSamples();
    if (intervals_.checkpoint > 0 && step_ % intervals_.checkpoint == 0 && !final) saveCheckpoint();
  }
}

// The log ends at the step of the last checkpoint: the steps since the last line are logged (as a
// partial line, which a resumed run replaces), and a run whose time is up gets its final test bound
// in the end event.
void Run::finish(TrainSummary& summary) {
  const bool unlogged = window_.count > 0 && last_.value("step", int64_t(-1)) != step_;
  if (unlogged && tookStep_) logLine(lastLr_, false, summary);
  json end;
  if (summary.timeUp) recordTest(summary, end);
  saveCheckpoint();
  summary.step = step_;
  if (!leader()) return;
  summary.checkpoint = folder_->checkpointPath(step_);  // the one just written (a newer file there may be foreign)
  const char* event = summary.diverged ? "diverged"
                      : summary.pausedOnBadStep ? "paused"
                      : summary.stoppedByUser ? "stopped"
                      : summary.timeUp ? "time_up" : "finished";
  end["event"] = event;
  end["checkpoint"] = summary.checkpoint;
  if (!summary.badStepMessage.empty() && summary.pausedOnBadStep) end["message"] = summary.badStepMessage;
  emit(end);
}

Run::Intervals Run::intervalsFor(double sessionSeconds) {
  constexpr int kTimedSteps = 10;
  const auto given = [](int64_t option, int64_t decided) { return option != TrainOptions::kByBudget ? option : decided; };
  Intervals out{given(o_.evalEvery, intervals_.eval), given(o_.checkpointEvery, intervals_.checkpoint)};
  const bool timed = o_.steps == 0;  // a time budget: the run's length in steps comes from its speed
  if (out.known() || (timed && sessionSteps_ < kTimedSteps)) return out;
  double total = double(o_.steps);
  if (timed) {
    const double perSecond = sessionSteps_ / std::max(sessionSeconds, 1e-9);
    total = double(step_) + perSecond * std::max(0.0, o_.minutes * 60 - sessionSeconds);
    std::vector<torch::Tensor> fromRankZero = {torch::tensor({rank_ == 0 ? total : 0.0}, torch::kDouble).to(device_)};
    if (collective_) collective_->allReduceSum(fromRankZero);
    total = fromRankZero[0].item<double>();
  }
  auto byBudget = [&](int64_t decided, int times) {
    return decided >= 0 ? decided : std::clamp<int64_t>(int64_t(std::ceil(total / times)), 1, 200);
  };
  return {byBudget(out.eval, 20), byBudget(out.checkpoint, 10)};
}

// A line at the run's last step that is not a multiple of --log-every is marked partial, and its
// window is kept (in the checkpoint): a resumed run drops the partial line and logs the full window
// at the next multiple, exactly as a run that never stopped.
void Run::logLine(double lr, bool withTest, TrainSummary& summary) {
  const auto n = std::max<int64_t>(1, window_.count);
  last_ = {{"step", step_}, {"epoch", batcher_->epochAt(step_)}, {"train_bpd", window_.bpdSum / n}, {"lr", lr},
           {"grad_norm", window_.gradSum / n}, {"images_per_sec", window_.count * batchSize_ / std::max(window_.seconds, 1e-9)}};
  if (withTest) recordTest(summary, last_);
  const bool partial = step_ % o_.logEvery != 0;
  if (partial) last_["partial"] = true;
  emit(last_);
  if (!partial) window_ = LogWindow{};
}

void Run::emit(json j) {
  if (!leader()) return;
  j["wall_seconds"] = wallSeconds();
  if (!j.contains("step")) j["step"] = step_;
  folder_->appendMetrics(j);
  if (cb_) cb_(j);
}

// The EMA weights' one-sample bound on the first evalImages test images, sharded over the ranks, with
// the standard error of that mean over the images (how far another sample of test images could move
// it: what tells two runs apart). Each image's noise depends only on its index, so the result is the
// same for any world size.
std::optional<Run::TestBound> Run::testBpd() {
  if (!test_ || test_->size() == 0) return std::nullopt;
  Ema::Apply useEma(*ema_);
  const auto n = std::min<int64_t>(o_.evalImages > 0 ? o_.evalImages : test_->size(), test_->size());
  const auto begin = n * rank_ / world_, end = n * (rank_ + 1) / world_;
  EvalOptions eo;
  eo.batchSize = std::max<int64_t>(batchSize_, 64);
  eo.seed = 12345;  // the same noise at every evaluation, so test curves are smooth and resumable
  eo.firstIndex = begin;
  double sum = 0, squares = 0;
  if (end > begin) {
    const auto bpd = evaluate(model_, test_->images.narrow(0, begin, end - begin), eo).bpdElbo;
    sum = bpd.sum().item<double>(), squares = bpd.square().sum().item<double>();
  }
  std::vector<torch::Tensor> total = {torch::tensor({sum, squares}, torch::kDouble).to(device_)};
  if (collective_) collective_->allReduceSum(total);
  const auto t = total[0].cpu();
  const double mean = t[0].item<double>() / double(n);
  const double variance = n > 1 ? std::max(0.0, t[1].item<double>() / double(n) - mean * mean) * double(n) / double(n - 1) : NAN;
  return TestBound{mean, std::sqrt(variance / double(n))};
}

void Run::recordTest(TrainSummary& summary, json& into) {
  const auto test = testBpd();
  if (!test) return;
  summary.lastTestBpd = test->bpd;
  into["test_bpd"] = test->bpd;
  if (std::isfinite(test->standardError)) into["test_bpd_se"] = test->standardError;
}

void Run::saveSamples() {
  if (!leader() || !haveImageCodecs()) return;
  fs::create_directories(fs::path(o_.runDir) / "samples");
  Ema::Apply useEma(*ema_);
  model_->eval();
  auto s = model_->sample(16, 1.0, 1234);
  model_->train();
  char name[40];
  std::snprintf(name, sizeof name, "samples/step-%09lld.png", static_cast<long long>(step_));
  writePng(folder_->file(name), makeGrid(toDisplay8(s.x, config_.nBits), 4, 1, 255));
}

void Run::saveCheckpoint() {
  lastGood_ = trainState();
  lastGoodStep_ = step_;
  if (!leader()) return;
  Checkpoint ck;
  ck.config = config_;
  {
    Ema::Apply useEma(*ema_);
    ck.weights = stateOf(*model_);
  }
  ck.train = lastGood_;
  ck.meta = {{"step", step_},         {"epoch", batcher_->epochAt(step_)}, {"seed", o_.seed},
             {"batch_size", batchSize_}, {"processes", world_},             {"parameters", model_->parameterCount()},
             {"wall_seconds", wallSeconds()}, {"recent_bpd", recentBpd_},    {"log_window", window_.toJson()},
             {"last_metrics", last_}, {"eval_every", intervals_.eval}, {"checkpoint_every", intervals_.checkpoint}};
  if (step_ == o_.injectKillInCheckpoint) killDuringNextAtomicWrite();
  flowpp::saveCheckpoint(folder_->checkpointPath(step_), ck);
  folder_->pruneCheckpoints(step_, o_.keepCheckpoints);
}

TensorMap Run::trainState() const {
  TensorMap state;
  for (const auto& [name, t] : stateOf(*model_)) state["param/" + name] = t;
  ema_->saveTo(state, "ema/");
  adam_->saveTo(state);
  return state;
}

void Run::loadTrainState(const TensorMap& state, const std::string& source) {
  TensorMap params;
  for (const auto& [name, t] : state)
    if (name.rfind("param/", 0) == 0) params[name.substr(6)] = t;
  loadState(*model_, params, source);
  ema_->loadFrom(state, source, "ema/");
  adam_->loadFrom(state, source);
}

}  // namespace

TrainSummary train(const ModelConfig& config, const ImageDataset& trainData, const ImageDataset* testData,
                   const TrainOptions& options, const std::atomic<bool>* stop, const MetricsCallback& onMetrics,
                   Collective* collective) {
  Run run(config, trainData, testData, options, stop, onMetrics, collective);
  return run.run();
}

}  // namespace flowpp
