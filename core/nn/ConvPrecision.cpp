#include "nn/ConvPrecision.h"

#include <cstdlib>
#include <cstring>

namespace flowpp {

namespace {
thread_local bool tActive = false;
}

bool cpuHasBf16() { return __builtin_cpu_supports("avx512bf16") && __builtin_cpu_supports("avx512bw"); }

bool bf16ConvsAvailable() {
  static const bool available = [] {
    const char* v = std::getenv("FLOWPP_BF16");
    return cpuHasBf16() && !(v && std::strcmp(v, "0") == 0);
  }();
  return available;
}

bool bf16ConvsActive() { return tActive; }

Bf16ConvScope::Bf16ConvScope(bool on) : previous_(tActive) { tActive = on && bf16ConvsAvailable(); }

Bf16ConvScope::~Bf16ConvScope() { tActive = previous_; }

torch::Tensor conditionerConv2d(const torch::Tensor& x, const torch::Tensor& weight, const torch::Tensor& bias, int64_t pad) {
  if (!tActive || torch::GradMode::is_enabled() || !x.device().is_cpu() || x.scalar_type() != torch::kFloat)
    return torch::conv2d(x, weight, bias, 1, pad);
  const auto b = bias.defined() ? bias.to(torch::kBFloat16) : torch::Tensor();
  return torch::conv2d(x.to(torch::kBFloat16), weight.to(torch::kBFloat16), b, 1, pad).to(torch::kFloat);
}

}  // namespace flowpp
