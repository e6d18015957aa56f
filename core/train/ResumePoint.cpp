#include "train/ResumePoint.h"

#include <filesystem>

#include "model/Checkpoint.h"
#include "train/RunFolder.h"

namespace flowpp {

namespace fs = std::filesystem;

namespace {
// The run's own config, written when it started; a folder without a readable one accepts any
// architecture (the skipped list then says so).
std::optional<ModelConfig> runConfig(const std::string& dir, std::vector<std::string>& notes) {
  const auto path = (fs::path(dir) / "config.json").string();
  try {
    return ModelConfig::load(path);
  } catch (const std::exception& e) {
    notes.push_back("config.json: " + std::string(e.what()) + " (checkpoints are not compared with it)");
    return std::nullopt;
  }
}
}  // namespace

ResumePoint findResumePoint(const std::string& runDir) {
  const auto candidates = checkpointsNewestFirst(runDir);
  if (candidates.empty()) throw RunFolderError("cannot resume: '" + runDir + "' has no checkpoints/ckpt-*.fpp");
  ResumePoint point;
  const auto expected = runConfig(runDir, point.skipped);
  for (const auto& path : candidates) {
    const auto name = fs::path(path).filename().string();
    try {
      auto ck = readCheckpoint(path);
      if (ck.train.empty()) {
        point.skipped.push_back(name + ": has no training state (weights only, as `flowpp export` writes)");
        continue;
      }
      if (expected && ck.config.toJson() != expected->toJson()) {
        point.skipped.push_back(name + ": its config ('" + ck.config.name + "') is not this run's ('" + expected->name +
                                "'): a checkpoint of another run");
        continue;
      }
      point.checkpoint = path;
      point.config = ck.config;
      point.step = ck.meta.value("step", int64_t(0));
      return point;
    } catch (const CheckpointError& e) {
      point.skipped.push_back(name + ": " + e.what());
    }
  }
  std::string why;
  for (const auto& s : point.skipped) why += "\n  " + s;
  throw RunFolderError("cannot resume '" + runDir + "': no checkpoint there can be continued:" + why);
}

}  // namespace flowpp
