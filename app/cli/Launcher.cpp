#include "Launcher.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <stdexcept>
#include <thread>

namespace flowpp::cli {

namespace {
std::vector<std::string> g_args;
volatile sig_atomic_t g_forward = 0;  // a termination signal the launcher received, to pass on

void rememberSignal(int signal) { g_forward = signal; }

int freePort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0)
    throw std::runtime_error("--nproc: cannot find a free local port for the workers' store");
  ::close(fd);
  return ntohs(addr.sin_port);
}

// The command line without "--nproc N" / "--nproc=N".
std::vector<std::string> workerArgs() {
  std::vector<std::string> out;
  for (size_t i = 0; i < g_args.size(); ++i) {
    if (g_args[i] == "--nproc") {
      ++i;
      continue;
    }
    if (g_args[i].rfind("--nproc=", 0) == 0) continue;
    out.push_back(g_args[i]);
  }
  return out;
}

std::string describe(int status) {
  if (WIFEXITED(status)) return "exited with code " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return std::string("was killed by ") + ::strsignal(WTERMSIG(status));
  return "stopped";
}
}  // namespace

void setCommandLine(int argc, char** argv) { g_args.assign(argv, argv + argc); }

LaunchResult launchLocalWorkers(int nproc, const std::map<std::string, std::string>& extraEnv) {
  constexpr auto kStopGrace = std::chrono::seconds(5);
  const auto args = workerArgs();
  const int port = freePort();
  const pid_t launcher = ::getpid();
  std::vector<pid_t> pids;
  for (int rank = 0; rank < nproc; ++rank) {
    const pid_t pid = ::fork();
    if (pid < 0) throw std::runtime_error("--nproc: cannot start worker process " + std::to_string(rank));
    if (pid == 0) {
      ::prctl(PR_SET_PDEATHSIG, SIGTERM);   // the launcher killed outright: stop too (kept across exec)
      if (::getppid() != launcher) _exit(1);  // it died before that was set
      ::setenv("RANK", std::to_string(rank).c_str(), 1);
      ::setenv("LOCAL_RANK", std::to_string(rank).c_str(), 1);
      ::setenv("WORLD_SIZE", std::to_string(nproc).c_str(), 1);
      ::setenv("LOCAL_WORLD_SIZE", std::to_string(nproc).c_str(), 1);
      ::setenv("MASTER_ADDR", "127.0.0.1", 1);
      ::setenv("MASTER_PORT", std::to_string(port).c_str(), 1);
      for (const auto& [k, v] : extraEnv) ::setenv(k.c_str(), v.c_str(), 1);
      std::vector<char*> argv;
      for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
      argv.push_back(nullptr);
      ::execv("/proc/self/exe", argv.data());
      _exit(127);
    }
    pids.push_back(pid);
  }
  // Ctrl-C from a terminal reaches the workers directly (same process group); a signal sent to the
  // launcher alone is passed on.
  struct sigaction action {}, previous[3];
  action.sa_handler = rememberSignal;
  const int forwarded[3] = {SIGINT, SIGTERM, SIGHUP};
  for (int i = 0; i < 3; ++i) ::sigaction(forwarded[i], &action, &previous[i]);
  LaunchResult result;
  int running = nproc;
  auto firstFailure = std::chrono::steady_clock::time_point::max();
  bool stopAsked = false, killed = false;
  auto signalAll = [&](int signal) {
    for (pid_t p : pids)
      if (p > 0) ::kill(p, signal);
  };
  while (running > 0) {
    if (g_forward) {
      signalAll(g_forward);
      g_forward = 0;
    }
    int status = 0;
    const pid_t pid = ::waitpid(-1, &status, WNOHANG);
    if (pid > 0) {
      --running;
      const int rank = int(std::find(pids.begin(), pids.end(), pid) - pids.begin());
      pids[rank] = 0;
      const bool ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
      if (!ok && result.failedRank < 0) {
        result.failedRank = rank;
        result.exitCode = WIFEXITED(status) && WEXITSTATUS(status) != 0 ? WEXITSTATUS(status) : 1;
        result.message = "worker rank " + std::to_string(rank) + " " + describe(status);
        firstFailure = std::chrono::steady_clock::now();
      }
      continue;
    }
    // Once a worker has failed the run cannot go on: ask the others to stop (they print their own
    // reason), and kill whichever has not after the grace period (a stopped or hung process).
    if (result.failedRank >= 0 && !stopAsked) signalAll(SIGTERM), stopAsked = true;
    if (result.failedRank >= 0 && !killed && std::chrono::steady_clock::now() - firstFailure > kStopGrace)
      signalAll(SIGKILL), killed = true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  for (int i = 0; i < 3; ++i) ::sigaction(forwarded[i], &previous[i], nullptr);
  return result;
}

}  // namespace flowpp::cli
