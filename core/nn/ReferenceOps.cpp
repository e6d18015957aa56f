#include "nn/ReferenceOps.h"

#include <torch/torch.h>

namespace flowpp {

void refuseDoubleBackward(const char* function) {
  // Autograd runs a backward with grad mode on exactly when the caller asked for create_graph.
  TORCH_CHECK(!torch::GradMode::is_enabled(), function,
              ": a second derivative (create_graph) through this fused function is not supported; "
              "compute it under a flowpp::ReferenceOpsGuard, which uses the plain ATen ops");
}

}  // namespace flowpp
