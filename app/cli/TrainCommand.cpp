// flowpp train: the project's one training loop (core/train/Trainer) with a progress bar and Ctrl-C.
#include <filesystem>
#include <iostream>
#include <sstream>

#include "Common.h"
#include "Launcher.h"
#include "model/Footprint.h"
#include "train/Distributed.h"
#include "train/ResumePoint.h"
#include "train/RunFolder.h"
#include "train/Trainer.h"

namespace flowpp::cli {

namespace {
constexpr int64_t kHuge = 1000000000000LL;

struct TrainArgs {
  TrainOptions o;
  std::string model, data, testData;
  int64_t limit = 0;
  int threads = 0, nproc = 1, timeoutSeconds = 120;
  bool resize = false;
  std::string name;
};

void addOptions(CLI::App* cmd, TrainArgs& a) {
  auto& o = a.o;
  cmd->add_option("--model", a.model, "Model config JSON (e.g. models/fmnist-small.json); ignored with --resume");
  cmd->add_option("--data", a.data, "Training images: IDX (.gz) file, CIFAR-10 batch file/folder, or image folder")->required();
  cmd->add_option("--test-data", a.testData, "Test images for periodic test bits/dim");
  cmd->add_option("--out", o.runDir, "Run folder (new, or empty): config, metrics.jsonl, checkpoints/, samples/")->required();
  // The numeric options, their ranges, defaults and help: one table in core (train/TrainOptions.h).
  for (const auto& spec : trainOptionSpecs()) {
    const auto* s = &spec;
    auto* option = cmd->add_option_function<std::string>(
        s->name, [&o, s](const std::string& text) { s->set(o, std::stod(text)); }, s->help);
    option->check(s->integer ? integerIn(int64_t(s->min), int64_t(s->max)) : numberIn(s->min, s->max));
    std::ostringstream fallback;
    fallback << s->defaultValue();
    option->default_str(fallback.str());
  }
  cmd->add_option("--device", o.device, "cpu, cuda or auto")->default_val("auto");
  cmd->add_flag("--resume", o.resume, "Continue the newest checkpoint in --out exactly where it stopped");
  cmd->add_option("--init-from", o.initFrom, "Start a new run from the weights of this checkpoint (same architecture)");
  cmd->add_option("--limit", a.limit, "Use only the first N training images")->check(integerIn(1, kHuge));
  addResizeFlag(cmd, a.resize);
  cmd->add_option("--name", a.name, "The new run's model name (default: the config file's name, e.g. my-colour for my-colour.json)");
  cmd->add_option("--threads", a.threads, "CPU threads (default: all cores)")->check(integerIn(1, 4096));
  cmd->add_option("--nproc", a.nproc, "Start N local worker processes (data-parallel over c10d Gloo; torchrun's variables "
                                      "are read when it launches flowpp instead)")->default_val(1)->check(integerIn(1, 256));
  cmd->add_option("--dist-timeout", a.timeoutSeconds, "Seconds a process waits for the others before it gives up with an error")
      ->default_val(120)->check(integerIn(5, 86400));
  cmd->add_option("--inject-nan", o.injectNanAtStep, "Testing: poison the loss at this step")->group("");
  cmd->add_option("--inject-kill-in-checkpoint", o.injectKillInCheckpoint, "Testing: SIGKILL while writing this step's checkpoint")->group("");
}

std::string eventText(const nlohmann::json& j) {
  if (j.contains("message")) return j["message"].get<std::string>();
  std::string s = "step " + std::to_string(j.value("step", int64_t(0)));
  if (j.contains("checkpoint")) s += ", checkpoint " + j["checkpoint"].get<std::string>();
  if (j.contains("test_bpd")) s += ", test " + std::to_string(j["test_bpd"].get<double>()).substr(0, 6) + " bits/dim";
  if (j.contains("parameters")) s += ", " + std::to_string(j["parameters"].get<int64_t>()) + " parameters";
  if (j.value("processes", 1) > 1) s += ", " + std::to_string(j["processes"].get<int>()) + " processes";
  if (j.contains("warning")) s += "\n  warning: " + j["warning"].get<std::string>();
  return s;
}

// The run's config: the new run's file, or the config of the checkpoint a resumed run continues. A
// new run is named by --name, else by its config file (a copy of fmnist-small.json made for other data
// is then not called "fmnist-small").
ModelConfig configFor(const TrainArgs& a) {
  if (a.o.resume) {
    if (!a.name.empty()) throw UsageError("--name names a new run; a resumed run keeps its name");
    return findResumePoint(a.o.runDir).config;
  }
  if (a.model.empty()) throw UsageError("train: --model CONFIG.json is required for a new run");
  auto config = ModelConfig::load(a.model);
  config.name = a.name.empty() ? std::filesystem::path(a.model).stem().string() : a.name;
  return config;
}

// Rank 0 reads the config and sends it to every rank, so that other hosts need no access to the run
// folder; if rank 0 cannot read it, every rank stops with its reason instead of waiting.
ModelConfig agreedConfig(const TrainArgs& a, Collective* collective, bool leader) {
  std::string text;
  std::exception_ptr failure;
  if (leader) {
    try {
      text = configFor(a).toJson().dump();
    } catch (...) {
      failure = std::current_exception();
    }
  }
  const auto received = broadcastText(collective, failure ? std::string("!") : text);
  if (failure) std::rethrow_exception(failure);
  if (received == "!") throw std::runtime_error("rank 0 could not read the run's config (its own error says why)");
  return ModelConfig::fromText(received, "the run's config (from rank 0)");
}

void runTrain(TrainArgs& a) {
  auto& o = a.o;
  validateTrainOptions(o);
  if (a.nproc > 1) {
    requireProcessCount(a.nproc);
    const auto config = configFor(a);  // refuses what cannot fit before any worker starts
    const int64_t local = std::max<int64_t>(1, (o.batchSize > 0 ? o.batchSize : config.training.batchSize) / a.nproc);
    requireMemory(a.nproc * (estimateFootprint(config, local).trainingBytes + kProcessOverheadBytes),
                  "training '" + config.name + "' in " + std::to_string(a.nproc) + " processes at batch " + std::to_string(local) + " each");
    const auto r = launchLocalWorkers(a.nproc);
    if (r.exitCode != 0) throw ExitError(r.exitCode, r.message + " (the other workers were stopped too)");
    return;
  }
  applyThreads(a.threads);
  const auto env = DistributedEnv::fromEnvironment();
  auto device = parseDevice(o.device);
  if (device.is_cuda() && env.distributed()) device = torch::Device(torch::kCUDA, env.localRank);
  o.device = device.str();
  std::unique_ptr<Collective> collective;
  if (env.distributed()) collective = connectProcessGroup(env, std::chrono::seconds(a.timeoutSeconds), device);
  const bool leader = env.rank == 0;
  const auto config = agreedConfig(a, collective.get(), leader);
  auto trainSet = openData(a.data, a.limit, config, DataRole::Train, a.resize);
  std::optional<ImageDataset> testSet;
  if (!a.testData.empty()) testSet = openData(a.testData, 0, config, DataRole::Test, a.resize);
  installInterruptHandler();
  if (leader)
    std::cerr << "training " << config.name << " on " << trainSet.size() << " images from " << a.data << " (" << o.device
              << ", " << torch::get_num_threads() << " threads" << (env.distributed() ? ", " + std::to_string(env.worldSize) + " processes" : "")
              << "); Ctrl-C saves and stops\n";
  const int64_t total = o.steps > 0 ? o.steps : 0;
  Progress bar("train", total > 0 ? total : static_cast<int64_t>(o.minutes * 60));
  const auto start = std::chrono::steady_clock::now();
  auto summary = train(config, trainSet, testSet ? &*testSet : nullptr, o, interruptFlag(), [&](const nlohmann::json& j) {
    if (j.contains("event")) {
      bar.finish();
      std::cerr << "[" << j["event"].get<std::string>() << "] " << eventText(j) << "\n";
      return;
    }
    char extra[160];
    std::snprintf(extra, sizeof extra, "train %.3f%s bpd, %.0f img/s", j.value("train_bpd", 0.0),
                  j.contains("test_bpd") ? (" test " + std::to_string(j["test_bpd"].get<double>()).substr(0, 5)).c_str() : "",
                  j.value("images_per_sec", 0.0));
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    bar.update(total > 0 ? j.value("step", int64_t(0)) : static_cast<int64_t>(secs), extra);
  }, collective.get());
  if (!leader) return;
  bar.finish();
  nlohmann::json out = {{"step", summary.step},        {"train_bpd", summary.lastTrainBpd},
                        {"checkpoint", summary.checkpoint}, {"stopped_by_user", summary.stoppedByUser},
                        {"time_up", summary.timeUp},   {"diverged", summary.diverged}};
  if (summary.lastTestBpd) out["test_bpd"] = *summary.lastTestBpd;
  printJson(out);
  if (summary.diverged) throw std::runtime_error("training diverged; see the metrics log for the bad steps");
  if (summary.stoppedByUser)
    throw InterruptedError("training stopped at step " + std::to_string(summary.step) + " with a checkpoint; continue with --resume");
}
}  // namespace

void addTrain(CLI::App& app) {
  auto* cmd = app.add_subcommand("train", "Train a Flow++ model (Adam + warm-up, EMA, clipping, checkpoints)");
  auto a = std::make_shared<TrainArgs>();
  addOptions(cmd, *a);
  cmd->callback([a] { runTrain(*a); });
}

}  // namespace flowpp::cli
