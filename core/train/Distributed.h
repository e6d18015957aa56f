#pragma once
// Data-parallel training on torch's own distributed engine (c10d): a TCPStore to meet, a process
// group to talk (Gloo for CPU tensors; NCCL for CUDA tensors where the LibTorch build has it), and
// the Collective the trainer uses (train/Collective.h).
//
// Launch like torchrun: every process reads RANK, WORLD_SIZE, LOCAL_RANK, MASTER_ADDR and
// MASTER_PORT. Under torchrun's own rendezvous (TORCHELASTIC_USE_AGENT_STORE=True) the launcher
// already serves the store on MASTER_PORT, so every worker connects as a client under the prefix
// /worker/attempt_<TORCHELASTIC_RESTART_COUNT>; otherwise rank 0 serves it (`flowpp train --nproc`).
#include <chrono>
#include <memory>
#include <string>

#include <torch/torch.h>

#include "train/Collective.h"

namespace flowpp {

struct DistributedEnv {
  int rank = 0, worldSize = 1, localRank = 0;
  std::string masterAddr = "127.0.0.1";
  int masterPort = 29500;
  bool agentStore = false;  // torchrun serves the store
  int restartCount = 0;

  bool distributed() const { return worldSize > 1; }
  // From the launcher's variables (a single process when WORLD_SIZE is unset); throws
  // std::invalid_argument naming a malformed variable.
  static DistributedEnv fromEnvironment();
};

// Whether this build has c10d support ("c10d Gloo", "c10d Gloo + NCCL"), or "" when it has none.
std::string distributedBackends();

// Meets the other processes and returns the process group as a Collective. Every collective
// operation (and the meeting itself) fails with a std::runtime_error naming this rank after
// `timeout` without an answer, or at once when a peer's connection drops.
std::unique_ptr<Collective> connectProcessGroup(const DistributedEnv& env, std::chrono::seconds timeout,
                                                const torch::Device& device);

}  // namespace flowpp
