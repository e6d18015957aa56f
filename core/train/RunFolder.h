#pragma once
// A run folder belongs to one training run:
//   config.json, metrics.jsonl (JSON lines), checkpoints/ckpt-<step>.fpp, samples/step-<step>.png,
//   and metrics-unreadable.txt when a damaged metrics line had to be set aside.
// Opening one locks it first (flock), so a second process can neither write into it nor race the
// checks that follow: a new run refuses a folder that already holds a run (nothing of it changes),
// a resumed run requires a checkpoint. Temp files left by a writer that was killed are removed.
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "util/AppendFile.h"

namespace flowpp {

class RunFolderError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// What of a run `dir` holds ("" when nothing: a new run may start there).
std::string runContents(const std::string& dir);
// A folder next to `dir` that holds no run: dir itself, else dir-2, dir-3, ...
std::string freshRunFolder(const std::string& dir);
// The newest checkpoints/ckpt-<step>.fpp of a run folder, "" when there is none.
std::string newestCheckpoint(const std::string& dir);
// Every checkpoints/ckpt-<step>.fpp of a run folder, newest first.
std::vector<std::string> checkpointsNewestFirst(const std::string& dir);
// Throws RunFolderError when `path` lies in a run folder's checkpoints/ (writing there would replace
// or confuse the run's own checkpoints). `option` names the option in the message.
void refuseToOverwriteRunCheckpoint(const std::string& path, const std::string& option);

class RunFolder {
 public:
  RunFolder(const std::string& dir, bool resume);
  ~RunFolder();
  RunFolder(const RunFolder&) = delete;
  RunFolder& operator=(const RunFolder&) = delete;

  const std::string& dir() const { return dir_; }
  std::string file(const std::string& name) const;
  std::string checkpointPath(int64_t step) const;
  std::string newestCheckpoint() const;
  // Removes this run's checkpoints older than `step` beyond the newest `keep` (keep >= 1).
  void pruneCheckpoints(int64_t step, int keep) const;
  // Keeps the metrics lines up to `step` (a resumed run recomputes the later ones, and a partial
  // last line, which it logs in full) and opens the file for appending. A line that does not parse
  // (cut by a kill, or damaged) is moved to metrics-unreadable.txt, never deleted; returns how many.
  int openMetrics(int64_t keepUpToStep);
  // Throws AppendError when the line cannot be written even after retries.
  void appendMetrics(const nlohmann::json& line);

 private:
  void lock();
  void unlock();
  void removeStaleTempFiles() const;
  std::string dir_;
  int lockFd_ = -1;
  AppendFile metrics_;
};

}  // namespace flowpp
