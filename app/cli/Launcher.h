#pragma once
// `--nproc N`: starts N local worker processes of this same command, as torchrun would (RANK,
// WORLD_SIZE, LOCAL_RANK, MASTER_ADDR=127.0.0.1, MASTER_PORT=<a free port>; rank 0 serves the
// store), waits for them, and stops the others when one fails. For users without Python.
#include <map>
#include <string>
#include <vector>

namespace flowpp::cli {

// The program's own command line (main stores it), to start the workers with.
void setCommandLine(int argc, char** argv);

struct LaunchResult {
  int exitCode = 0;          // 0, or the first failing worker's code
  int failedRank = -1;
  std::string message;       // why it failed, naming the rank
};

// Runs this program's command line without `--nproc N` in N processes with the launcher variables
// (plus `extraEnv`), and returns once all have exited.
LaunchResult launchLocalWorkers(int nproc, const std::map<std::string, std::string>& extraEnv = {});

}  // namespace flowpp::cli
