#pragma once
// A run folder belongs to one training run:
//   config.json, metrics.jsonl (JSON lines), checkpoints/ckpt-<step>.fpp, samples/step-<step>.png.
// Opening one for a new run refuses a folder that already holds a run (nothing of it changes);
// opening one to resume requires a checkpoint. While open, the folder is locked (flock), so a second
// process cannot write into it; temp files left by a writer that was killed are removed.
#include <cstdint>
#include <fstream>
#include <string>

#include <nlohmann/json.hpp>

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
  // Keeps the metrics lines up to `step` (a resumed run recomputes the later ones; a line cut by a
  // kill is dropped, and so is a partial last line, which the resumed run logs in full) and opens
  // the file for appending.
  void openMetrics(int64_t keepUpToStep);
  void appendMetrics(const nlohmann::json& line);

 private:
  void lock();
  void removeStaleTempFiles() const;
  std::string dir_;
  int lockFd_ = -1;
  std::ofstream metrics_;
};

}  // namespace flowpp
