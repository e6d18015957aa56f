#pragma once
// Helpers shared by the `flowpp` subcommands.
//
// Exit codes: 0 success; 2 a usage or input error (an option, a config, a model file); 3 a data
// error (a data set or image that cannot be used); 1 anything else (a failed write, a diverged run);
// 130 interrupted (Ctrl-C or SIGTERM) before the work was done, after saving what was done.
// Every error is one sentence on stderr; --verbose adds the details LibTorch or OpenCV gave.
#include <atomic>
#include <chrono>
#include <cstdio>
#include <string>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "data/Dataset.h"
#include "model/Checkpoint.h"

namespace flowpp::cli {

// Usage and input errors: printed as "flowpp: error: ..." with exit code 2.
struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// An error whose exit code is already decided: a worker's, passed on by the --nproc launcher.
struct ExitError : std::runtime_error {
  ExitError(int exitCode, const std::string& message) : std::runtime_error(message), code(exitCode) {}
  int code;
};

// Ctrl-C or SIGTERM stopped a command before it finished (exit code 130); the message says what was
// kept (a checkpoint, the images evaluated so far).
struct InterruptedError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Strict numeric options: the whole text must be a number of the option's kind ("1abc", "nan" and
// "-1" for a count are refused) within [lo, hi]; the message names the value and the range.
CLI::Validator integerIn(int64_t lo, int64_t hi);
CLI::Validator numberIn(double lo, double hi);

torch::Device parseDevice(const std::string& name);  // "cpu", "cuda", "auto"

// --model: a checkpoint, a run folder or a config JSON. A config gets fresh weights from `seed`
// and data-dependent init on the first images of `initData` (required then).
LoadedModel openModel(const std::string& path, uint64_t seed, const std::string& device,
                      const ImageDataset* initData = nullptr);

// A data set at the model's shape. Images of another size or channel count are an error unless
// `resize` (the --resize flag: then a note on stderr says what was done). `role` picks the part of a
// CIFAR-10 folder: data_batch_*.bin (Train) or test_batch.bin (Test).
ImageDataset openData(const std::string& path, int64_t limit, const ModelConfig& config, DataRole role, bool resize);
// Adds --resize to a command that reads images.
void addResizeFlag(CLI::App* cmd, bool& resize);

// --model and --data together, each read once: a config's data set is read at the config's shape
// and then initialises the fresh model.
struct ModelAndData {
  LoadedModel loaded;
  ImageDataset data;
};
ModelAndData openModelAndData(const std::string& model, const std::string& data, int64_t limit, uint64_t seed,
                              const std::string& device, DataRole role, bool resize);

// Torch threads for this process: `requested`, else the cores shared among the processes of this
// host (LOCAL_WORLD_SIZE, as torchrun and --nproc set it). Applies them and returns the count.
int applyThreads(int requested);

// --nproc N: at most one process per core (more only slow each other down); throws UsageError.
void requireProcessCount(int nproc);

// Throws std::runtime_error when a result the user will read is NaN or infinite.
void requireFinite(double value, const std::string& what);

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
// Ctrl-C / SIGTERM set this (installed by the commands that honour it).
bool interrupted();
const std::atomic<bool>* interruptFlag();
void installInterruptHandler();

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
void addToy(CLI::App& app);
void addCompress(CLI::App& app);
void addDecompress(CLI::App& app);

}  // namespace flowpp::cli
