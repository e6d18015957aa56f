#pragma once
// The one place a device name becomes a torch::Device: "cpu", "cuda" or "cuda:N", and "auto" (the
// first CUDA device when this LibTorch has one, else the CPU). Used by the trainer, the CLI's
// --device and the studio.
#include <string>

#include <torch/torch.h>

namespace flowpp {

// Throws std::invalid_argument naming the name and the choices, or saying that CUDA is not available.
torch::Device deviceFromName(const std::string& name);

}  // namespace flowpp
