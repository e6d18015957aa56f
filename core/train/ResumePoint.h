#pragma once
// Where a resumed run continues: the newest checkpoint of the run folder that can be read (its
// checksum matches), holds a training state (weights alone, as `flowpp export` writes, cannot be
// continued) and belongs to this run (its config is the run's config.json). Older checkpoints are
// tried in turn; each one passed over is named with the reason. The CLI, the trainer and the studio
// all take the run's config from here: from the checkpoint itself, never from config.json alone.
// Torch-free (the studio's training panel calls it).
#include <string>
#include <vector>

#include "model/ModelConfig.h"

namespace flowpp {

struct ResumePoint {
  std::string checkpoint;             // path of the chosen checkpoint
  ModelConfig config;                 // its config
  int64_t step = 0;
  std::vector<std::string> skipped;   // "ckpt-000000300.fpp: has no training state ...", newest first
};

// Throws RunFolderError (train/RunFolder.h) naming every candidate and why it failed when none
// qualifies, or when the folder has no checkpoint.
ResumePoint findResumePoint(const std::string& runDir);

}  // namespace flowpp
