#include "Common.h"

#include <unistd.h>

#include <atomic>
#include <cmath>
#include <csignal>
#include <filesystem>
#include <iostream>
#include <thread>

#include "util/Device.h"
#include "util/Runtime.h"

namespace flowpp::cli {

namespace {
std::atomic<bool> g_interrupted{false};
void onSignal(int) { g_interrupted.store(true); }

template <typename T>
std::string rangeText(T lo, T hi) {
  std::ostringstream s;
  s << "allowed: " << lo << " to " << hi;
  return s.str();
}
}  // namespace

bool interrupted() { return g_interrupted.load(); }
const std::atomic<bool>* interruptFlag() { return &g_interrupted; }

void installInterruptHandler() {
  std::signal(SIGINT, onSignal);
  std::signal(SIGTERM, onSignal);
}

CLI::Validator integerIn(int64_t lo, int64_t hi) {
  return CLI::Validator(
      [lo, hi](std::string& text) -> std::string {
        size_t used = 0;
        long long v = 0;
        try {
          v = std::stoll(text, &used, 10);
        } catch (...) {
          used = 0;
        }
        if (used != text.size() || text.empty()) return "'" + text + "' is not an integer (" + rangeText(lo, hi) + ")";
        if (v < lo || v > hi) return text + " is out of range (" + rangeText(lo, hi) + ")";
        return {};
      },
      "INT in [" + std::to_string(lo) + ", " + std::to_string(hi) + "]");
}

CLI::Validator numberIn(double lo, double hi) {
  return CLI::Validator(
      [lo, hi](std::string& text) -> std::string {
        size_t used = 0;
        double v = 0;
        try {
          v = std::stod(text, &used);
        } catch (...) {
          used = 0;
        }
        if (used != text.size() || text.empty() || !std::isfinite(v))
          return "'" + text + "' is not a finite number (" + rangeText(lo, hi) + ")";
        if (v < lo || v > hi) return text + " is out of range (" + rangeText(lo, hi) + ")";
        return {};
      },
      "NUMBER in [" + std::to_string(lo) + ", " + std::to_string(hi) + "]");
}

torch::Device parseDevice(const std::string& name) {
  try {
    return deviceFromName(name);
  } catch (const std::invalid_argument& e) {
    throw UsageError(e.what());
  }
}

LoadedModel openModel(const std::string& path, uint64_t seed, const std::string& device, const ImageDataset* initData) {
  if (!std::filesystem::exists(path)) throw UsageError("--model: no such file or folder '" + path + "'");
  auto loaded = loadModel(path, seed);
  loaded.model->to(parseDevice(device));
  if (loaded.fresh) {
    if (!initData)
      throw UsageError("--model " + path + " is a config: pass --data so the fresh model can be initialised");
    const auto& c = loaded.model->config();
    requireShape(*initData, {c.channels, c.height, c.width});
    const auto n = std::min<int64_t>(c.training.initBatchSize, initData->size());
    loaded.model->dataInit(quantize(initData->images.narrow(0, 0, n), c.nBits));
    std::cerr << "note: " << path << " is a config: using fresh weights (seed " << seed
              << ") initialised on the first " << n << " images\n";
  }
  return loaded;
}

ImageDataset openData(const std::string& path, int64_t limit, const ModelConfig& config, DataRole role, bool resize) {
  DataOptions o;
  o.limit = limit, o.shape = ImageShape{config.channels, config.height, config.width}, o.resize = resize, o.role = role;
  auto data = loadDataset(path, o);
  requireShape(data, {config.channels, config.height, config.width});
  if (!data.note.empty()) std::cerr << "note: " << path << ": " << data.note << "\n";
  return data;
}

void addResizeFlag(CLI::App* cmd, bool& resize) {
  cmd->add_flag("--resize", resize,
                "Scale images of another size to the model's and convert grey/colour (otherwise such images are an error)");
}

ModelAndData openModelAndData(const std::string& model, const std::string& data, int64_t limit, uint64_t seed,
                              const std::string& device, DataRole role, bool resize) {
  if (!std::filesystem::exists(model)) throw UsageError("--model: no such file or folder '" + model + "'");
  ModelAndData out;
  if (std::filesystem::path(model).extension() == ".json") {
    out.data = openData(data, limit, ModelConfig::load(model), role, resize);
    out.loaded = openModel(model, seed, device, &out.data);
  } else {
    out.loaded = openModel(model, seed, device);
    out.data = openData(data, limit, out.loaded.model->config(), role, resize);
  }
  return out;
}

int applyThreads(int requested) {
  int threads = requested;
  if (threads <= 0) {
    const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    const char* local = std::getenv("LOCAL_WORLD_SIZE");
    const int processes = local ? std::max(1, std::atoi(local)) : 1;
    threads = std::max(1, cores / processes);
  }
  configureRuntime(threads);
  return threads;
}

void requireProcessCount(int nproc) {
  const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  if (nproc > cores)
    throw UsageError("--nproc " + std::to_string(nproc) + ": this machine has " + std::to_string(cores) +
                     " cores; more processes than cores only slow each other down");
}

void requireFinite(double value, const std::string& what) {
  if (!std::isfinite(value))
    throw std::runtime_error(what + " is not a finite number: the model's weights or inputs are broken");
}

Progress::Progress(std::string label, int64_t total)
    : label_(std::move(label)), total_(total), tty_(::isatty(STDERR_FILENO)),
      start_(std::chrono::steady_clock::now()), lastPrint_(start_) {}

void Progress::update(int64_t done, const std::string& extra) {
  const auto now = std::chrono::steady_clock::now();
  const double elapsed = std::chrono::duration<double>(now - start_).count();
  const double sinceLast = std::chrono::duration<double>(now - lastPrint_).count();
  if (done < total_ && sinceLast < (tty_ ? 0.1 : 10.0)) return;
  lastPrint_ = now;
  const double frac = total_ > 0 ? double(done) / total_ : 0;
  const double eta = frac > 0 ? elapsed * (1 - frac) / frac : 0;
  char line[256];
  if (tty_) {
    const int width = 30, filled = static_cast<int>(frac * width);
    std::string bar(filled, '#');
    bar.resize(width, '.');
    std::snprintf(line, sizeof line, "\r%s [%s] %lld/%lld  %.0fs elapsed, ETA %.0fs  %s\033[K", label_.c_str(),
                  bar.c_str(), (long long)done, (long long)total_, elapsed, eta, extra.c_str());
  } else {
    std::snprintf(line, sizeof line, "%s %lld/%lld (%.0f%%) %.0fs elapsed, ETA %.0fs %s\n", label_.c_str(),
                  (long long)done, (long long)total_, 100 * frac, elapsed, eta, extra.c_str());
  }
  std::cerr << line << std::flush;
}

void Progress::finish() {
  if (tty_) std::cerr << "\n";
}

void printJson(const nlohmann::json& j) { std::cout << j.dump() << std::endl; }

}  // namespace flowpp::cli
