#pragma once
// Helpers shared by the `flowpp` subcommands.
#include <chrono>
#include <cstdio>
#include <string>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "data/Dataset.h"
#include "model/Checkpoint.h"

namespace flowpp::cli {

// Usage and input errors: printed as "flowpp <cmd>: error: ..." with exit code 2.
struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

torch::Device parseDevice(const std::string& name);  // "cpu", "cuda", "auto"

// --model: a checkpoint, a run folder or a config JSON. A config gets fresh weights from `seed`
// and data-dependent init on the first images of `initData` (required then).
LoadedModel openModel(const std::string& path, uint64_t seed, const std::string& device,
                      const ImageDataset* initData = nullptr);

ImageDataset openData(const std::string& path, int64_t limit, const ModelConfig& config);

// A one-line progress bar with ETA on a terminal, plain periodic lines otherwise (stderr).
class Progress {
 public:
  Progress(std::string label, int64_t total);
  void update(int64_t done, const std::string& extra = "");
  void finish();

 private:
  std::string label_;
  int64_t total_;
  bool tty_;
  std::chrono::steady_clock::time_point start_, lastPrint_;
};

void printJson(const nlohmann::json& j);  // one line on stdout

// Subcommand registration; each lives in its own file.
void addTrain(CLI::App& app);
void addEval(CLI::App& app);
void addSample(CLI::App& app);
void addEncodeDecode(CLI::App& app);
void addInterpolate(CLI::App& app);
void addHeatmap(CLI::App& app);
void addInfo(CLI::App& app);
void addBench(CLI::App& app);
void addCheck(CLI::App& app);
void addExport(CLI::App& app);

}  // namespace flowpp::cli
