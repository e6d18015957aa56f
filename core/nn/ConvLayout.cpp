#include "nn/ConvLayout.h"

#include <cstdlib>
#include <cstring>

namespace flowpp {

namespace {
thread_local int tOverride = -1;  // -1: the default; 0 or 1: a ChannelsLastScope's choice

bool defaultOn() {
  static const bool on = [] {
    const char* v = std::getenv("FLOWPP_CHANNELS_LAST");
    return !(v && std::strcmp(v, "0") == 0);
  }();
  return on;
}
}  // namespace

bool useChannelsLast(const torch::Tensor& x) {
  const bool on = tOverride >= 0 ? tOverride == 1 : defaultOn();
  return on && x.dim() == 4 && x.device().is_cpu() && x.scalar_type() == torch::kFloat;
}

at::MemoryFormat denseFormat(const torch::Tensor& x) {
  if (x.dim() == 4 && !x.is_contiguous() && x.is_contiguous(at::MemoryFormat::ChannelsLast))
    return at::MemoryFormat::ChannelsLast;
  return at::MemoryFormat::Contiguous;
}

ChannelsLastScope::ChannelsLastScope(bool on) : previous_(tOverride) { tOverride = on ? 1 : 0; }

ChannelsLastScope::~ChannelsLastScope() { tOverride = previous_; }

}  // namespace flowpp
