#include "util/OpProfile.h"

#include <torch/csrc/autograd/profiler_legacy.h>

#include <algorithm>
#include <map>

namespace flowpp {

namespace prof = torch::autograd::profiler;

OpProfile::OpProfile() {
  prof::enableProfilerLegacy(torch::profiler::impl::ProfilerConfig(torch::profiler::impl::ProfilerState::CPU));
}

OpProfile::~OpProfile() {
  if (running_) prof::disableProfilerLegacy();
}

std::vector<OpTime> OpProfile::stop(size_t top) {
  running_ = false;
  auto lists = prof::disableProfilerLegacy();
  std::map<std::string, OpTime> byName;
  for (auto& events : lists) {
    struct Open {
      const prof::LegacyEvent* push;
      double children;
    };
    std::vector<Open> stack;
    for (const auto& e : events) {
      if (e.kind() == prof::EventKind::PushRange) {
        stack.push_back({&e, 0});
      } else if (e.kind() == prof::EventKind::PopRange && !stack.empty()) {
        auto open = stack.back();
        stack.pop_back();
        const double elapsed = open.push->cpuElapsedUs(e) / 1000.0;
        auto& t = byName[open.push->name()];
        t.name = open.push->name();
        t.totalMs += elapsed, t.selfMs += elapsed - open.children, ++t.calls;
        if (!stack.empty()) stack.back().children += elapsed;
      }
    }
  }
  std::vector<OpTime> out;
  for (auto& [name, t] : byName) out.push_back(t);
  std::sort(out.begin(), out.end(), [](const OpTime& a, const OpTime& b) { return a.selfMs > b.selfMs; });
  if (out.size() > top) out.resize(top);
  return out;
}

}  // namespace flowpp
