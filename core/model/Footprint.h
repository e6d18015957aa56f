#pragma once
// What a config costs before anything is allocated: its exact parameter count (computed from the
// config, the same number FlowPlusPlus::parameterCount() gives) and an estimate of the memory a
// training step or an evaluation at a batch size needs, so that a config or an option that cannot
// fit is refused with a message instead of running the machine out of memory. Torch-free.
#include <cstdint>
#include <stdexcept>
#include <string>

#include "model/ModelConfig.h"

namespace flowpp {

// Thrown when a computation would need more memory than the machine has.
class ResourceError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

int64_t parameterCount(const ModelConfig& config);

struct Footprint {
  int64_t parameters = 0;
  double parameterBytes = 0;   // the weights alone (float32)
  double trainingBytes = 0;    // weights, gradients, Adam moments, EMA and the activations of one step
  double evaluationBytes = 0;  // weights and the transient activations of one forward pass
};

Footprint estimateFootprint(const ModelConfig& config, int64_t batch);

// What one flowpp process holds before any model: LibTorch's libraries, thread pools and allocator
// (the resident set of `flowpp info` on a small model is about 150 MiB).
constexpr double kProcessOverheadBytes = 160.0 * 1024 * 1024;

// MemAvailable of /proc/meminfo (bytes), or a large number where it cannot be read.
double availableMemoryBytes();

// Throws ResourceError when `bytes` (for `what`, e.g. "training at batch 64") exceed what is available.
void requireMemory(double bytes, const std::string& what);

std::string formatBytes(double bytes);  // "1.2 GiB"

}  // namespace flowpp
