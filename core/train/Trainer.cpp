#include "train/Trainer.h"

#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "data/ImageIo.h"
#include "explore/Evaluation.h"
#include "model/Checkpoint.h"
#include "train/Adam.h"
#include "train/Ema.h"
#include "util/AtomicFile.h"

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

std::string checkpointName(int64_t step) {
  char name[32];
  std::snprintf(name, sizeof name, "ckpt-%09lld.fpp", static_cast<long long>(step));
  return name;
}

// Keeps the metrics lines of steps <= `step` (a resumed run recomputes the later ones).
void truncateMetrics(const std::string& path, int64_t step) {
  if (!fs::exists(path)) return;
  std::ifstream in(path);
  std::ostringstream kept;
  std::string line;
  while (std::getline(in, line)) {
    try {
      auto j = json::parse(line);
      if (j.value("step", int64_t(0)) <= step) kept << line << '\n';
    } catch (const json::exception&) {
      // a line cut by a kill -9 is dropped
    }
  }
  writeFileAtomically(path, kept.str());
}

class Run {
 public:
  Run(const ModelConfig& config, const ImageDataset& train, const ImageDataset* test, const TrainOptions& o,
      const std::atomic<bool>* stop, const MetricsCallback& cb)
      : o_(o), train_(train), test_(test), stop_(stop), cb_(cb), device_(o.device) {
    if (device_.is_cuda() && !torch::cuda::is_available())
      throw std::runtime_error("--device cuda: no CUDA device is available (this LibTorch: " +
                               std::string(torch::cuda::is_available() ? "CUDA" : "CPU only") + ")");
    fs::create_directories(fs::path(o.runDir) / "checkpoints");
    std::string resumeFrom = o.resume ? newestCheckpointIn(o.runDir) : "";
    if (o.resume && resumeFrom.empty()) throw std::runtime_error("--resume: no checkpoint in '" + o.runDir + "'");
    std::optional<Checkpoint> resumed;
    if (!resumeFrom.empty()) resumed = readCheckpoint(resumeFrom);
    config_ = resumed ? resumed->config : config;
    requireShape(train, {config_.channels, config_.height, config_.width});
    if (test) requireShape(*test, {config_.channels, config_.height, config_.width});
    torch::manual_seed(o.seed);
    model_ = FlowPlusPlus(config_);
    model_->to(device_);
    batchSize_ = o.batchSize > 0 ? o.batchSize : config_.training.batchSize;
    batcher_ = std::make_unique<Batcher>(train.size(), batchSize_, o.seed);
    adam_ = std::make_unique<Adam>(*model_);
    if (resumeFrom.empty()) {
      initialise();
    } else {
      restore(*resumed, resumeFrom);
    }
  }

  TrainSummary run();

 private:
  void initialise();
  void restore(const Checkpoint& ck, const std::string& path);
  void emit(json j);
  torch::Tensor batch(int64_t step);
  void saveCheckpoint();
  std::optional<double> testBpd();
  void saveSamples();
  TensorMap trainState() const;
  void loadTrainState(const TensorMap& state, const std::string& source);

  TrainOptions o_;
  const ImageDataset& train_;
  const ImageDataset* test_;
  const std::atomic<bool>* stop_;
  MetricsCallback cb_;
  torch::Device device_;
  ModelConfig config_;
  FlowPlusPlus model_{nullptr};
  int64_t batchSize_ = 0;
  std::unique_ptr<Batcher> batcher_;
  std::unique_ptr<Adam> adam_;
  std::unique_ptr<Ema> ema_;
  int64_t step_ = 0;
  double priorWallSeconds_ = 0;
  Clock::time_point start_ = Clock::now();
  TensorMap lastGood_;
  int64_t lastGoodStep_ = 0;
  std::ofstream metrics_;
  json last_ = json::object();
};

torch::Tensor Run::batch(int64_t step) {
  auto idx = batcher_->indices(step);
  return quantize(train_.images.index_select(0, idx), config_.nBits).to(device_);
}

void Run::initialise() {
  // Data-dependent init on a seeded batch of init_batch_size images (official: 128).
  const auto n = std::min<int64_t>(config_.training.initBatchSize, train_.size());
  auto gen = at::detail::createCPUGenerator(o_.seed + 7);
  auto idx = torch::randperm(train_.size(), gen, torch::kLong).narrow(0, 0, n);
  model_->dataInit(quantize(train_.images.index_select(0, idx), config_.nBits).to(device_));
  ema_ = std::make_unique<Ema>(*model_, config_.training.emaDecay);
  writeFileAtomically((fs::path(o_.runDir) / "config.json").string(), config_.toJson().dump(2));
  truncateMetrics((fs::path(o_.runDir) / "metrics.jsonl").string(), -1);
  lastGood_ = trainState();
  metrics_.open(fs::path(o_.runDir) / "metrics.jsonl", std::ios::app);
  emit({{"event", "start"}, {"parameters", model_->parameterCount()}, {"device", device_.str()},
        {"batch_size", batchSize_}, {"config", config_.name}});
}

void Run::restore(const Checkpoint& ck, const std::string& path) {
  if (ck.train.empty()) throw std::runtime_error(path + ": has no training state to resume from");
  loadTrainState(ck.train, path);
  step_ = ck.meta.value("step", int64_t(0));
  priorWallSeconds_ = ck.meta.value("wall_seconds", 0.0);
  lastGood_ = ck.train;
  lastGoodStep_ = step_;
  truncateMetrics((fs::path(o_.runDir) / "metrics.jsonl").string(), step_);
  metrics_.open(fs::path(o_.runDir) / "metrics.jsonl", std::ios::app);
  emit({{"event", "resume"}, {"step", step_}, {"checkpoint", path}});
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
  if (!ema_) ema_ = std::make_unique<Ema>(*model_, config_.training.emaDecay);
  ema_->loadFrom(state, source, "ema/");
  adam_->loadFrom(state, source);
}

void Run::emit(json j) {
  j["wall_seconds"] = priorWallSeconds_ + std::chrono::duration<double>(Clock::now() - start_).count();
  if (!j.contains("step")) j["step"] = step_;
  if (metrics_) {
    metrics_ << j.dump() << '\n';
    metrics_.flush();
  }
  if (cb_) cb_(j);
}

std::optional<double> Run::testBpd() {
  if (!test_ || test_->size() == 0) return std::nullopt;
  Ema::Apply useEma(*ema_);
  const auto n = std::min<int64_t>(o_.evalImages > 0 ? o_.evalImages : test_->size(), test_->size());
  EvalOptions eo;
  eo.batchSize = std::max<int64_t>(batchSize_, 64);
  eo.seed = 12345;  // the same noise at every evaluation, so test curves are smooth and resumable
  auto r = evaluate(model_, test_->images.narrow(0, 0, n), eo);
  return r.meanElbo;
}

void Run::saveSamples() {
  if (!haveImageCodecs()) return;
  fs::create_directories(fs::path(o_.runDir) / "samples");
  Ema::Apply useEma(*ema_);
  model_->eval();
  auto s = model_->sample(16, 1.0, 1234);
  model_->train();
  char name[40];
  std::snprintf(name, sizeof name, "step-%09lld.png", static_cast<long long>(step_));
  writePng((fs::path(o_.runDir) / "samples" / name).string(), makeGrid(toDisplay8(s.x, config_.nBits), 4, 1, 255));
}

void Run::saveCheckpoint() {
  Checkpoint ck;
  ck.config = config_;
  {
    Ema::Apply useEma(*ema_);
    ck.weights = stateOf(*model_);
  }
  ck.train = trainState();
  ck.meta = {{"step", step_},
             {"epoch", batcher_->epochAt(step_)},
             {"seed", o_.seed},
             {"batch_size", batchSize_},
             {"parameters", model_->parameterCount()},
             {"wall_seconds", priorWallSeconds_ + std::chrono::duration<double>(Clock::now() - start_).count()},
             {"last_metrics", last_}};
  const auto dir = fs::path(o_.runDir) / "checkpoints";
  flowpp::saveCheckpoint((dir / checkpointName(step_)).string(), ck);
  lastGood_ = ck.train;
  lastGoodStep_ = step_;
  std::vector<fs::path> all;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.path().extension() == ".fpp") all.push_back(e.path());
  std::sort(all.begin(), all.end());
  for (size_t i = 0; i + o_.keepCheckpoints < all.size(); ++i) fs::remove(all[i]);
}

TrainSummary Run::run() {
  TrainSummary summary;
  const auto& t = config_.training;
  const auto sessionStart = Clock::now();
  auto timeUp = [&] {
    return o_.minutes > 0 && std::chrono::duration<double>(Clock::now() - sessionStart).count() >= o_.minutes * 60;
  };
  double bpdSum = 0, gradSum = 0;
  int logged = 0, badInRow = 0;
  auto windowStart = Clock::now();
  model_->train();
  while ((o_.steps <= 0 || step_ < o_.steps) && !timeUp() && !(stop_ && stop_->load())) {
    torch::manual_seed(o_.seed * 7919ULL + static_cast<uint64_t>(step_));  // dropout and noise per step
    auto x = batch(step_);
    auto loss = model_->bitsPerDim(model_->logLikelihood(x).logp).mean();
    if (step_ == o_.injectNanAtStep) loss = loss * std::nan("");
    for (auto& p : model_->parameters()) p.mutable_grad() = torch::Tensor();
    loss.backward();
    const double gradNorm = clipGradNorm(*model_, t.gradClip);
    const double bpd = loss.item<double>();
    const double lr = learningRateAt(step_, t.learningRate, t.warmupSteps, t.lrDecay);
    const bool exploding = o_.divergenceBpd > 0 && bpd > o_.divergenceBpd;
    if (!std::isfinite(bpd) || !std::isfinite(gradNorm) || exploding) {
      ++badInRow;
      emit({{"event", "bad_step"}, {"step", step_ + 1}, {"train_bpd", std::isfinite(bpd) ? json(bpd) : json("nan")},
            {"grad_norm", std::isfinite(gradNorm) ? json(gradNorm) : json("nan")},
            {"message", std::string(exploding ? "exploding loss" : "non-finite loss or gradient") +
                            ": step skipped (" + std::to_string(badInRow) + " in a row)"}});
      if (badInRow >= o_.maxBadSteps) {
        loadTrainState(lastGood_, "last good state");
        emit({{"event", "restored"}, {"step", step_ + 1}, {"restored_step", lastGoodStep_},
              {"message", "restored the weights, EMA and optimiser state of step " + std::to_string(lastGoodStep_) +
                              " after " + std::to_string(badInRow) + " bad steps"}});
        if (badInRow >= 2 * o_.maxBadSteps) {
          summary.diverged = true;
          ++step_;
          break;
        }
      }
      ++step_;
      continue;
    }
    badInRow = 0;
    adam_->step(lr);
    ema_->update(step_);
    ++step_;
    bpdSum += bpd, gradSum += gradNorm, ++logged;
    summary.lastTrainBpd = bpd;
    const bool last = (o_.steps > 0 && step_ >= o_.steps) || timeUp() || (stop_ && stop_->load());
    if (step_ % o_.logEvery == 0 || last) {
      const double secs = std::chrono::duration<double>(Clock::now() - windowStart).count();
      last_ = {{"step", step_}, {"epoch", batcher_->epochAt(step_)}, {"train_bpd", bpdSum / logged},
               {"lr", lr}, {"grad_norm", gradSum / logged}, {"images_per_sec", logged * batchSize_ / std::max(secs, 1e-9)}};
      if ((o_.evalEvery > 0 && step_ % o_.evalEvery == 0) || last) {
        summary.lastTestBpd = testBpd();
        if (summary.lastTestBpd) last_["test_bpd"] = *summary.lastTestBpd;
      }
      emit(last_);
      bpdSum = gradSum = 0, logged = 0;
      windowStart = Clock::now();
    }
    if (o_.sampleEvery > 0 && step_ % o_.sampleEvery == 0) saveSamples();
    if (step_ % o_.checkpointEvery == 0 && !last) saveCheckpoint();
  }
  saveCheckpoint();
  summary.step = step_;
  summary.stoppedByUser = stop_ && stop_->load();
  summary.checkpoint = newestCheckpointIn(o_.runDir);
  emit({{"event", summary.diverged ? "diverged" : summary.stoppedByUser ? "stopped" : "finished"},
        {"checkpoint", summary.checkpoint}});
  return summary;
}

}  // namespace

TrainSummary train(const ModelConfig& config, const ImageDataset& trainData, const ImageDataset* testData,
                   const TrainOptions& options, const std::atomic<bool>* stop, const MetricsCallback& onMetrics) {
  Run run(config, trainData, testData, options, stop, onMetrics);
  return run.run();
}

}  // namespace flowpp
