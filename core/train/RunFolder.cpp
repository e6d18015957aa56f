#include "train/RunFolder.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <regex>
#include <sstream>
#include <vector>

#include "util/AtomicFile.h"

namespace flowpp {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {
const std::regex kCheckpointName(R"(ckpt-(\d{9})\.fpp)");

// Step numbers of the checkpoints in `dir`/checkpoints, ascending.
std::vector<int64_t> checkpointSteps(const std::string& dir) {
  std::vector<int64_t> steps;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(fs::path(dir) / "checkpoints", ec)) {
    std::smatch m;
    const auto name = e.path().filename().string();
    if (std::regex_match(name, m, kCheckpointName)) steps.push_back(std::stoll(m[1]));
  }
  std::sort(steps.begin(), steps.end());
  return steps;
}
}  // namespace

std::string runContents(const std::string& dir) {
  std::vector<std::string> found;
  for (const char* f : {"config.json", "metrics.jsonl"})
    if (fs::exists(fs::path(dir) / f)) found.push_back(f);
  if (auto n = checkpointSteps(dir).size()) found.push_back(std::to_string(n) + " checkpoint" + (n > 1 ? "s" : ""));
  std::string out;
  for (const auto& f : found) out += (out.empty() ? "" : ", ") + f;
  return out;
}

std::string newestCheckpoint(const std::string& dir) {
  auto steps = checkpointSteps(dir);
  if (steps.empty()) return {};
  char name[32];
  std::snprintf(name, sizeof name, "ckpt-%09lld.fpp", static_cast<long long>(steps.back()));
  return (fs::path(dir) / "checkpoints" / name).string();
}

std::string freshRunFolder(const std::string& dir) {
  if (runContents(dir).empty()) return dir;
  for (int i = 2;; ++i) {
    const auto candidate = dir + "-" + std::to_string(i);
    if (runContents(candidate).empty()) return candidate;
  }
}

RunFolder::RunFolder(const std::string& dir, bool resume) : dir_(dir) {
  if (resume) {
    if (checkpointSteps(dir).empty())
      throw RunFolderError("cannot resume: '" + dir + "' has no checkpoints/ckpt-*.fpp");
  } else if (auto held = runContents(dir); !held.empty()) {
    throw RunFolderError("'" + dir + "' already holds a run (" + held +
                         "); a new run needs its own folder (or resume this one with --resume)");
  }
  std::error_code ec;
  fs::create_directories(fs::path(dir) / "checkpoints", ec);
  if (ec) throw RunFolderError("cannot create the run folder '" + dir + "': " + ec.message());
  lock();
  removeStaleTempFiles();
}

RunFolder::~RunFolder() {
  if (lockFd_ >= 0) ::close(lockFd_);  // releases the flock
}

void RunFolder::lock() {
  const auto path = file(".lock");
  lockFd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (lockFd_ < 0) throw RunFolderError("cannot create '" + path + "'");
  if (::flock(lockFd_, LOCK_EX | LOCK_NB) != 0) {
    ::close(lockFd_);
    lockFd_ = -1;
    throw RunFolderError("'" + dir_ + "' is in use by another training process");
  }
}

// Only the lock holder writes here, so every temp file left behind belongs to a killed writer.
void RunFolder::removeStaleTempFiles() const {
  const std::regex temp(R"(.*\.tmp\.\d+)");
  for (const auto& sub : {fs::path(dir_), fs::path(dir_) / "checkpoints", fs::path(dir_) / "samples"}) {
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(sub, ec))
      if (std::regex_match(e.path().filename().string(), temp)) fs::remove(e.path(), ec);
  }
}

std::string RunFolder::file(const std::string& name) const { return (fs::path(dir_) / name).string(); }

std::string RunFolder::checkpointPath(int64_t step) const {
  char name[32];
  std::snprintf(name, sizeof name, "ckpt-%09lld.fpp", static_cast<long long>(step));
  return (fs::path(dir_) / "checkpoints" / name).string();
}

std::string RunFolder::newestCheckpoint() const { return flowpp::newestCheckpoint(dir_); }

void RunFolder::pruneCheckpoints(int64_t step, int keep) const {
  auto steps = checkpointSteps(dir_);
  steps.erase(std::remove_if(steps.begin(), steps.end(), [&](int64_t s) { return s > step; }), steps.end());
  for (size_t i = 0; i + std::max(1, keep) < steps.size(); ++i) {
    std::error_code ec;
    fs::remove(checkpointPath(steps[i]), ec);
  }
}

void RunFolder::openMetrics(int64_t keepUpToStep) {
  const auto path = file("metrics.jsonl");
  std::ostringstream kept;
  if (fs::exists(path)) {
    std::istringstream in(readFile(path));
    std::string line;
    while (std::getline(in, line)) {
      try {
        auto j = json::parse(line);
        const bool partial = j.is_object() && j.value("partial", false);  // re-logged in full after a resume
        if (j.is_object() && !partial && j.value("step", int64_t(0)) <= keepUpToStep) kept << line << '\n';
      } catch (const json::exception&) {
        // a line cut by a kill -9 is dropped
      }
    }
  }
  writeFileAtomically(path, kept.str());
  metrics_.open(path, std::ios::app);
  if (!metrics_) throw RunFolderError("cannot append to '" + path + "'");
}

void RunFolder::appendMetrics(const json& line) {
  metrics_ << line.dump() << '\n';
  metrics_.flush();
}

}  // namespace flowpp
