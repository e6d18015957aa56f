#include "util/Device.h"

#include <stdexcept>

namespace flowpp {

torch::Device deviceFromName(const std::string& name) {
  const bool cuda = torch::cuda::is_available();
  if (name == "cpu") return torch::kCPU;
  if (name == "auto") return cuda ? torch::Device(torch::kCUDA) : torch::Device(torch::kCPU);
  if (name == "cuda" || name.rfind("cuda:", 0) == 0) {
    if (!cuda) throw std::invalid_argument("--device " + name + ": no CUDA device is available to this build of LibTorch");
    try {
      return torch::Device(name);
    } catch (const c10::Error&) {
      throw std::invalid_argument("--device: '" + name + "' is not a device name (cuda or cuda:N)");
    }
  }
  throw std::invalid_argument("--device: expected cpu, cuda, cuda:N or auto, got '" + name + "'");
}

}  // namespace flowpp
