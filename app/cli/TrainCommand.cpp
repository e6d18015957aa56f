// flowpp train: the project's one training loop (core/train/Trainer) with a progress bar and Ctrl-C.
#include <atomic>
#include <csignal>
#include <iostream>

#include "Common.h"
#include "train/Trainer.h"

namespace flowpp::cli {

namespace {
std::atomic<bool> g_stop{false};
void onSignal(int) { g_stop.store(true); }
}  // namespace

void addTrain(CLI::App& app) {
  auto* cmd = app.add_subcommand("train", "Train a Flow++ model (Adam + warm-up, EMA, clipping, checkpoints)");
  auto o = std::make_shared<TrainOptions>();
  auto model = std::make_shared<std::string>();
  auto data = std::make_shared<std::string>();
  auto testData = std::make_shared<std::string>();
  auto limit = std::make_shared<int64_t>(0);
  auto threads = std::make_shared<int>(0);
  cmd->add_option("--model", *model, "Model config JSON (e.g. models/fmnist-small.json); ignored with --resume")->required();
  cmd->add_option("--data", *data, "Training images: IDX (.gz) file, CIFAR-10 batch file/folder, or image folder")->required();
  cmd->add_option("--test-data", *testData, "Test images for periodic test bits/dim");
  cmd->add_option("--out", o->runDir, "Run folder: config, metrics.jsonl, checkpoints/, samples/")->required();
  cmd->add_option("--minutes", o->minutes, "Stop after this many minutes of wall time");
  cmd->add_option("--steps", o->steps, "Stop at this optimiser step (counted over resumes)");
  cmd->add_option("--batch-size", o->batchSize, "Images per step (default: the config's)");
  cmd->add_option("--seed", o->seed, "Seed for initialisation, data order, dropout and noise")->default_val(0);
  cmd->add_option("--device", o->device, "cpu, cuda or auto")->default_val("auto");
  cmd->add_flag("--resume", o->resume, "Continue the newest checkpoint in --out exactly where it stopped");
  cmd->add_option("--limit", *limit, "Use only the first N training images");
  cmd->add_option("--log-every", o->logEvery, "Metrics line every N steps")->default_val(10);
  cmd->add_option("--eval-every", o->evalEvery, "Test bits/dim every N steps (0: at the end only)")->default_val(200);
  cmd->add_option("--eval-images", o->evalImages, "Test images per periodic evaluation")->default_val(1000);
  cmd->add_option("--checkpoint-every", o->checkpointEvery, "Checkpoint every N steps")->default_val(200);
  cmd->add_option("--keep", o->keepCheckpoints, "Checkpoints to keep")->default_val(3);
  cmd->add_option("--sample-every", o->sampleEvery, "Save a 4x4 grid of EMA samples every N steps (0: never)")->default_val(0);
  cmd->add_option("--threads", *threads, "CPU threads (default: all cores)");
  cmd->add_option("--inject-nan", o->injectNanAtStep, "Testing: poison the loss at this step")->group("");
  cmd->callback([=] {
    if (o->minutes <= 0 && o->steps <= 0) throw UsageError("train: give --minutes M or --steps N");
    if (*threads > 0) torch::set_num_threads(*threads);
    o->device = parseDevice(o->device).str();
    auto config = o->resume ? ModelConfig{} : ModelConfig::load(*model);
    if (o->resume) {
      auto ckpt = newestCheckpointIn(o->runDir);
      if (ckpt.empty()) throw UsageError("--resume: no checkpoint in '" + o->runDir + "'");
      config = readCheckpoint(ckpt).config;
    }
    auto trainSet = openData(*data, *limit, config);
    std::optional<ImageDataset> testSet;
    if (!testData->empty()) testSet = openData(*testData, 0, config);
    std::signal(SIGINT, onSignal);
    std::signal(SIGTERM, onSignal);
    std::cerr << "training " << config.name << " on " << trainSet.size() << " images from " << *data << " ("
              << o->device << ", " << torch::get_num_threads() << " threads); Ctrl-C saves and stops\n";
    const int64_t total = o->steps > 0 ? o->steps : 0;
    Progress bar("train", total > 0 ? total : static_cast<int64_t>(o->minutes * 60));
    const auto start = std::chrono::steady_clock::now();
    auto summary = train(config, trainSet, testSet ? &*testSet : nullptr, *o, &g_stop, [&](const nlohmann::json& j) {
      if (j.contains("event")) {
        bar.finish();
        std::cerr << "[" << j["event"].get<std::string>() << "] " << j.value("message", j.dump()) << "\n";
        return;
      }
      char extra[160];
      std::snprintf(extra, sizeof extra, "train %.3f%s bpd, %.0f img/s", j.value("train_bpd", 0.0),
                    j.contains("test_bpd") ? (" test " + std::to_string(j["test_bpd"].get<double>()).substr(0, 5)).c_str() : "",
                    j.value("images_per_sec", 0.0));
      const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      bar.update(total > 0 ? j.value("step", int64_t(0)) : static_cast<int64_t>(secs), extra);
    });
    bar.finish();
    nlohmann::json out = {{"step", summary.step}, {"train_bpd", summary.lastTrainBpd},
                          {"checkpoint", summary.checkpoint}, {"stopped_by_user", summary.stoppedByUser},
                          {"diverged", summary.diverged}};
    if (summary.lastTestBpd) out["test_bpd"] = *summary.lastTestBpd;
    printJson(out);
    if (summary.diverged) throw std::runtime_error("training diverged; see the metrics log for the bad steps");
  });
}

}  // namespace flowpp::cli
