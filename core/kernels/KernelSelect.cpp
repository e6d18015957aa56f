// Which kernel table runs: the best this CPU supports, or the one FLOWPP_KERNELS names.
#include <atomic>
#include <cstdlib>
#include <stdexcept>

#include "kernels/CpuKernels.h"

namespace flowpp::kernels {

namespace {

bool cpuRunsAvx512() {
  // The set ATen's own AVX-512 build needs; __builtin_cpu_supports also checks that the OS saves
  // the 512-bit registers.
  return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
         __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("fma");
}

bool cpuRunsAvx2() { return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"); }

std::string namesOf(const std::vector<const CpuKernels*>& tables) {
  std::string names;
  for (const auto* t : tables) names += (names.empty() ? "" : ", ") + std::string(t->isa);
  return names;
}

const CpuKernels& fromEnvironmentOrBest() {
  const char* forced = std::getenv("FLOWPP_KERNELS");
  if (forced && *forced) return kernelTable(forced);
  return *supportedKernelTables().front();
}

std::atomic<const CpuKernels*>& active() {
  static std::atomic<const CpuKernels*> table{nullptr};
  return table;
}

}  // namespace

std::vector<const CpuKernels*> supportedKernelTables() {
  std::vector<const CpuKernels*> tables;
  if (cpuRunsAvx512()) tables.push_back(&avx512::table());
  if (cpuRunsAvx2()) tables.push_back(&avx2::table());
  tables.push_back(&portable::table());
  return tables;
}

const CpuKernels& kernelTable(const std::string& name) {
  const auto supported = supportedKernelTables();
  for (const auto* t : supported)
    if (name == t->isa) return *t;
  const bool known = name == "avx512" || name == "avx2" || name == "portable";
  throw std::invalid_argument("FLOWPP_KERNELS=" + name + ": " +
                              (known ? "this CPU cannot run these kernels" : "no such kernel table") +
                              " (this CPU runs: " + namesOf(supported) + ")");
}

const CpuKernels& cpuKernels() {
  const CpuKernels* t = active().load(std::memory_order_acquire);
  if (!t) {
    t = &fromEnvironmentOrBest();
    active().store(t, std::memory_order_release);
  }
  return *t;
}

void useKernels(const CpuKernels& table) { active().store(&table, std::memory_order_release); }

}  // namespace flowpp::kernels
