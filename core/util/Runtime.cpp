#include "util/Runtime.h"

#ifdef _OPENMP
#include <omp.h>
#endif

#include <dlfcn.h>
#include <malloc.h>

#include <ATen/Context.h>
#include <ATen/Functions.h>
#include <ATen/Parallel.h>

#include <filesystem>
#include <thread>

namespace flowpp {

namespace {
template <typename F>
F symbol(const char* name) {
  return reinterpret_cast<F>(::dlsym(RTLD_DEFAULT, name));
}

std::string blasLibrary() {
  if (auto config = symbol<char* (*)()>("openblas_get_config")) return config();  // "OpenBLAS 0.3.21 ..."
  if (auto version = symbol<const char* (*)()>("bli_info_get_version_str")) return std::string("BLIS ") + version();
  if (symbol<void*>("MKL_Set_Num_Threads")) return "Intel MKL";
  // Name the shared object that provides dgemm_ (the reference BLAS, ATLAS, ...).
  Dl_info info{};
  if (auto gemm = symbol<void*>("dgemm_"); gemm && ::dladdr(gemm, &info) && info.dli_fname)
    return std::filesystem::path(std::filesystem::canonical(info.dli_fname)).filename().string();
  return "unknown";
}

int blasThreads() {
  if (auto get = symbol<int (*)()>("openblas_get_num_threads")) return get();
  if (auto get = symbol<int (*)()>("bli_thread_get_num_threads")) return get();
  if (auto get = symbol<int (*)()>("MKL_Get_Max_Threads")) return get();
  return -1;
}

// The malloc in effect: the executables link jemalloc where it was found at build time (the core
// does not), so ask the process for jemalloc's mallctl instead of naming it at link time.
std::string allocatorName() {
  const char* version = nullptr;
  size_t size = sizeof(version);
  if (auto mallctl = symbol<int (*)(const char*, void*, size_t*, void*, size_t)>("mallctl");
      mallctl && mallctl("version", &version, &size, nullptr, 0) == 0 && version)
    return std::string("jemalloc ") + version;
  return "glibc";
}
}  // namespace

void releaseFreeMemory() {
  // "arena.4096.purge": every arena (4096 is jemalloc's MALLCTL_ARENAS_ALL).
  if (auto mallctl = symbol<int (*)(const char*, void*, size_t*, void*, size_t)>("mallctl"))
    mallctl("arena.4096.purge", nullptr, nullptr, nullptr, 0);
  else
    malloc_trim(0);
}

bool setBlasThreads(int threads) {
  if (auto set = symbol<void (*)(int)>("openblas_set_num_threads")) return set(threads), true;
  if (auto set = symbol<void (*)(int)>("bli_thread_set_num_threads")) return set(threads), true;
  if (auto set = symbol<void (*)(int)>("MKL_Set_Num_Threads")) return set(threads), true;
  return false;
}

RuntimeInfo configureRuntime(int threads) {
  if (threads <= 0) threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  at::set_num_threads(threads);
  setBlasThreads(1);
  at::globalContext().setFlushDenormal(true);
  return runtimeInfo();
}

void useOneTorchThreadHere() {
  // Torch sets a thread's OpenMP team size at its first parallel operation: run one operation first,
  // so that torch's per-thread start-up has happened before this setting and cannot undo it.
  at::internal::lazy_init_num_threads();
  (void)at::ones({64}).sum().item<float>();
#ifdef _OPENMP
  omp_set_num_threads(1);  // this thread's OpenMP setting only (at::set_num_threads changes the default of new threads too)
#endif
}

RuntimeInfo runtimeInfo() {
  RuntimeInfo info;
  info.blas = blasLibrary();
  info.blasThreads = blasThreads();
  info.torchThreads = at::get_num_threads();
  info.interopThreads = at::get_num_interop_threads();
  info.allocator = allocatorName();
  return info;
}

}  // namespace flowpp
