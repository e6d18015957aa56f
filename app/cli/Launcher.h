#pragma once
// `--nproc N`: starts N local worker processes of this same command, as torchrun would (RANK,
// WORLD_SIZE, LOCAL_RANK, MASTER_ADDR=127.0.0.1, MASTER_PORT=<a free port>; rank 0 serves the
// store), waits for them, and stops the others when one fails. For users without Python.
// Termination reaches the workers: SIGINT, SIGTERM or SIGHUP to the launcher are passed on (each
// worker then checkpoints and stops), and a launcher killed outright (SIGKILL) takes them down too
// (they get SIGTERM from the kernel when it dies), so none trains on holding the run's lock.
#include <map>
#include <string>
#include <vector>

namespace flowpp::cli {

// The program's own command line (main stores it), to start the workers with.
void setCommandLine(int argc, char** argv);

struct LaunchResult {
  int exitCode = 0;          // 0, or the first failing worker's code (1, 2, 3 as the worker gave it)
  int failedRank = -1;
  std::string message;       // why it failed, naming the rank
};

// Runs this program's command line without `--nproc N` in N processes with the launcher variables
// (plus `extraEnv`), and returns once all have exited. Once one worker has failed, the others are
// asked to stop (SIGTERM: a live worker prints its reason at once, as its peer's connection is gone)
// and killed 5 s later: a stopped or hung worker adds no more than that to the workers' own
// --dist-timeout.
LaunchResult launchLocalWorkers(int nproc, const std::map<std::string, std::string>& extraEnv = {});

}  // namespace flowpp::cli
