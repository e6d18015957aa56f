#include "train/Distributed.h"

#include <cstdlib>
#include <stdexcept>

#ifdef FLOWPP_HAVE_DISTRIBUTED
#include <torch/csrc/distributed/c10d/PrefixStore.hpp>
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#ifdef USE_C10D_NCCL
#include <torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>
#endif
#endif

namespace flowpp {

namespace {
int intVariable(const char* name, int fallback, int lo, int hi) {
  const char* v = std::getenv(name);
  if (!v || !*v) return fallback;
  char* end = nullptr;
  const long x = std::strtol(v, &end, 10);
  if (*end != '\0' || x < lo || x > hi)
    throw std::invalid_argument(std::string("environment variable ") + name + "='" + v + "' is not an integer from " +
                                std::to_string(lo) + " to " + std::to_string(hi));
  return int(x);
}
}  // namespace

DistributedEnv DistributedEnv::fromEnvironment() {
  DistributedEnv e;
  e.worldSize = intVariable("WORLD_SIZE", 1, 1, 65536);
  e.rank = intVariable("RANK", 0, 0, e.worldSize - 1);
  e.localRank = intVariable("LOCAL_RANK", e.rank, 0, 65535);
  e.masterPort = intVariable("MASTER_PORT", 29500, 1, 65535);
  if (const char* addr = std::getenv("MASTER_ADDR"); addr && *addr) e.masterAddr = addr;
  if (const char* agent = std::getenv("TORCHELASTIC_USE_AGENT_STORE")) e.agentStore = std::string(agent) == "True";
  e.restartCount = intVariable("TORCHELASTIC_RESTART_COUNT", 0, 0, 1000000);
  return e;
}

#ifdef FLOWPP_HAVE_DISTRIBUTED

std::string distributedBackends() {
#ifdef USE_C10D_NCCL
  return "c10d Gloo + NCCL";
#else
  return "c10d Gloo";
#endif
}

namespace {

// The process group behind the trainer's Collective. Gloo moves CPU tensors; CUDA tensors go
// through NCCL where the build has it, else through a CPU copy.
class ProcessGroupCollective : public Collective {
 public:
  ProcessGroupCollective(c10::intrusive_ptr<c10d::ProcessGroup> group, int rank, int world, bool onDevice)
      : group_(std::move(group)), rank_(rank), world_(world), onDevice_(onDevice) {}
  int rank() const override { return rank_; }
  int worldSize() const override { return world_; }

  void allReduceSum(std::vector<torch::Tensor>& tensors) override {
    run(tensors, [&](std::vector<torch::Tensor>& t) { return group_->allreduce(t); });
  }

  void broadcast(std::vector<torch::Tensor>& tensors, int root) override {
    c10d::BroadcastOptions options;
    options.rootRank = root;
    run(tensors, [&](std::vector<torch::Tensor>& t) { return group_->broadcast(t, options); });
  }

 private:
  template <typename Op>
  void run(std::vector<torch::Tensor>& tensors, Op op) {
    // Gloo wants one tensor per call in CPU memory: each goes on its own, waiting in order.
    for (auto& t : tensors) {
      std::vector<torch::Tensor> one = {onDevice_ || t.device().is_cpu() ? t.contiguous() : t.cpu().contiguous()};
      try {
        op(one)->wait();
      } catch (const std::exception& e) {
        std::string what = e.what();
        throw std::runtime_error("rank " + std::to_string(rank_) + " of " + std::to_string(world_) +
                                 ": lost contact with the other processes (" + what.substr(0, what.find('\n')).substr(0, 160) + ")");
      }
      if (!one[0].is_same(t)) t.copy_(one[0]);
    }
  }

  c10::intrusive_ptr<c10d::ProcessGroup> group_;
  int rank_, world_;
  bool onDevice_;
};

}  // namespace

std::unique_ptr<Collective> connectProcessGroup(const DistributedEnv& env, std::chrono::seconds timeout,
                                                const torch::Device& device) {
  c10d::TCPStoreOptions storeOptions;
  storeOptions.port = static_cast<uint16_t>(env.masterPort);
  storeOptions.isServer = !env.agentStore && env.rank == 0;
  storeOptions.numWorkers = env.agentStore ? c10::nullopt : c10::optional<std::size_t>(env.worldSize);
  storeOptions.waitWorkers = false;
  storeOptions.timeout = timeout;
  c10::intrusive_ptr<c10d::Store> store;
  try {
    store = c10::make_intrusive<c10d::TCPStore>(env.masterAddr, storeOptions);
    if (env.agentStore)
      store = c10::make_intrusive<c10d::PrefixStore>("/worker/attempt_" + std::to_string(env.restartCount), store);
  } catch (const std::exception& e) {
    std::string what = e.what();
    throw std::runtime_error("rank " + std::to_string(env.rank) + ": cannot reach the store at " + env.masterAddr + ":" +
                             std::to_string(env.masterPort) + " (" + what.substr(0, what.find('\n')).substr(0, 160) + ")");
  }
#ifdef USE_C10D_NCCL
  if (device.is_cuda()) {
    auto options = c10d::ProcessGroupNCCL::Options::create();
    options->timeout = timeout;
    auto group = c10::make_intrusive<c10d::ProcessGroupNCCL>(store, env.rank, env.worldSize, options);
    return std::make_unique<ProcessGroupCollective>(group, env.rank, env.worldSize, true);
  }
#endif
  auto options = c10d::ProcessGroupGloo::Options::create(timeout);
  // On one host talk over loopback; across hosts over the interface GLOO_SOCKET_IFNAME names (as
  // torch does), else the address this machine's hostname resolves to.
  const bool local = env.masterAddr == "localhost" || env.masterAddr.rfind("127.", 0) == 0;
  const char* interface = std::getenv("GLOO_SOCKET_IFNAME");
  options->devices.push_back(local ? c10d::ProcessGroupGloo::createDeviceForHostname("127.0.0.1")
                             : interface && *interface ? c10d::ProcessGroupGloo::createDeviceForInterface(interface)
                                                       : c10d::ProcessGroupGloo::createDefaultDevice());
  options->threads = 2;
  try {
    auto group = c10::make_intrusive<c10d::ProcessGroupGloo>(store, env.rank, env.worldSize, options);
    return std::make_unique<ProcessGroupCollective>(group, env.rank, env.worldSize, false);
  } catch (const std::exception& e) {
    std::string what = e.what();
    throw std::runtime_error("rank " + std::to_string(env.rank) + ": the other processes did not all arrive within " +
                             std::to_string(timeout.count()) + " s (" + what.substr(0, what.find('\n')).substr(0, 160) + ")");
  }
}

#else

std::string distributedBackends() { return {}; }

std::unique_ptr<Collective> connectProcessGroup(const DistributedEnv&, std::chrono::seconds, const torch::Device&) {
  throw std::runtime_error("this build of flowpp has no distributed training (configure with the Debian package "
                           "libgloo-dev installed, or -DFLOWPP_DISTRIBUTED=ON)");
}

#endif

}  // namespace flowpp
