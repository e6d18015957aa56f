#include "train/RunFolder.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <regex>
#include <sstream>
#include <vector>

#include "util/AtomicFile.h"
#include "util/JsonText.h"

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

namespace {
std::string checkpointFile(const std::string& dir, int64_t step) {
  char name[32];
  std::snprintf(name, sizeof name, "ckpt-%09lld.fpp", static_cast<long long>(step));
  return (fs::path(dir) / "checkpoints" / name).string();
}
}  // namespace

std::string newestCheckpoint(const std::string& dir) {
  auto steps = checkpointSteps(dir);
  return steps.empty() ? std::string() : checkpointFile(dir, steps.back());
}

std::vector<std::string> checkpointsNewestFirst(const std::string& dir) {
  auto steps = checkpointSteps(dir);
  std::vector<std::string> paths;
  for (auto it = steps.rbegin(); it != steps.rend(); ++it) paths.push_back(checkpointFile(dir, *it));
  return paths;
}

void refuseToOverwriteRunCheckpoint(const std::string& path, const std::string& option) {
  std::error_code ec;
  const auto parent = fs::weakly_canonical(fs::absolute(path, ec), ec).parent_path();
  if (parent.filename() != "checkpoints") return;
  const auto run = parent.parent_path().string();
  if (runContents(run).empty()) return;
  throw RunFolderError(option + " " + path + ": that is inside the checkpoints of the run in '" + run +
                       "'; writing there could replace a training checkpoint. Write the file elsewhere");
}

std::string freshRunFolder(const std::string& dir) {
  if (runContents(dir).empty()) return dir;
  for (int i = 2;; ++i) {
    const auto candidate = dir + "-" + std::to_string(i);
    if (runContents(candidate).empty()) return candidate;
  }
}

RunFolder::RunFolder(const std::string& dir, bool resume) : dir_(dir) {
  std::error_code ec;
  if (resume && !fs::is_directory(dir, ec)) throw RunFolderError("cannot resume: there is no run folder '" + dir + "'");
  fs::create_directories(dir, ec);
  if (ec) throw RunFolderError("cannot create the run folder '" + dir + "': " + ec.message());
  lock();  // before the checks: two processes cannot both find the folder free
  if (resume && checkpointSteps(dir).empty()) {
    unlock();
    throw RunFolderError("cannot resume: '" + dir + "' has no checkpoints/ckpt-*.fpp");
  }
  if (auto held = runContents(dir); !resume && !held.empty()) {
    unlock();
    throw RunFolderError("'" + dir + "' already holds a run (" + held +
                         "); a new run needs its own folder (or resume this one with --resume)");
  }
  fs::create_directories(fs::path(dir) / "checkpoints", ec);
  if (ec) {
    unlock();
    throw RunFolderError("cannot create '" + dir + "/checkpoints': " + ec.message());
  }
  removeStaleTempFiles();
}

RunFolder::~RunFolder() { unlock(); }

void RunFolder::unlock() {
  if (lockFd_ >= 0) ::close(lockFd_);  // releases the flock
  lockFd_ = -1;
}

void RunFolder::lock() {
  const auto path = file(".lock");
  lockFd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (lockFd_ < 0) throw RunFolderError("cannot lock the run folder: cannot create '" + path + "': " + std::strerror(errno));
  if (::flock(lockFd_, LOCK_EX | LOCK_NB) != 0) {
    const int error = errno;
    unlock();
    throw RunFolderError(error == EWOULDBLOCK ? "'" + dir_ + "' is in use by another training process"
                                              : "cannot lock '" + path + "': " + std::strerror(error));
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

std::string RunFolder::checkpointPath(int64_t step) const { return checkpointFile(dir_, step); }

std::string RunFolder::newestCheckpoint() const { return flowpp::newestCheckpoint(dir_); }

void RunFolder::pruneCheckpoints(int64_t step, int keep) const {
  auto steps = checkpointSteps(dir_);
  steps.erase(std::remove_if(steps.begin(), steps.end(), [&](int64_t s) { return s > step; }), steps.end());
  for (size_t i = 0; i + std::max(1, keep) < steps.size(); ++i) {
    std::error_code ec;
    fs::remove(checkpointPath(steps[i]), ec);
  }
}

int RunFolder::openMetrics(int64_t keepUpToStep) {
  const auto path = file("metrics.jsonl");
  std::ostringstream kept, unreadable;
  int setAside = 0;
  if (fs::exists(path)) {
    std::istringstream in(readFile(path));
    std::string line;
    while (std::getline(in, line)) {
      if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
      json j;
      try {
        j = parseJsonText(line, "a metrics line");
      } catch (const std::exception&) {
        unreadable << line << '\n';  // cut by a kill, or damaged: kept aside for the user to look at
        ++setAside;
        continue;
      }
      const bool partial = j.is_object() && j.value("partial", false);  // re-logged in full after a resume
      if (j.is_object() && !partial && j.value("step", int64_t(0)) <= keepUpToStep) kept << line << '\n';
    }
  }
  if (setAside > 0) {
    AppendFile aside;
    aside.open(file("metrics-unreadable.txt"));
    aside.append(unreadable.str());
  }
  writeFileAtomically(path, kept.str());
  metrics_.open(path);
  return setAside;
}

void RunFolder::appendMetrics(const json& line) { metrics_.append(line.dump() + '\n'); }

}  // namespace flowpp
