#include "util/Random.h"

#include <ATen/CPUGeneratorImpl.h>
#include <ATen/Context.h>

namespace flowpp {

namespace {
thread_local RandomScope* t_current = nullptr;

torch::Generator& threadFallback() {
  thread_local torch::Generator gen = makeGenerator(0x5eedf10bULL);
  return gen;
}
}  // namespace

torch::Generator makeGenerator(uint64_t seed, const torch::Device& device) {
  if (device.is_cuda()) {
    // Cloned from the device's default generator: the only CUDA generator factory both LibTorch 1.13 and 2.x expose.
    auto gen = at::globalContext().defaultGenerator(device).clone();
    gen.set_current_seed(seed);
    return gen;
  }
  return at::detail::createCPUGenerator(seed);
}

uint64_t mixSeed(std::initializer_list<uint64_t> parts) {
  uint64_t h = 0x9e3779b97f4a7c15ULL;
  for (uint64_t p : parts) {
    uint64_t z = (h ^ p) + 0x9e3779b97f4a7c15ULL;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    h = z ^ (z >> 31);
  }
  return h;
}

RandomScope::RandomScope(uint64_t seed) : seed_(seed), cpu_(makeGenerator(seed)), previous_(t_current) {
  t_current = this;
}

RandomScope::~RandomScope() { t_current = previous_; }

torch::Generator RandomScope::generatorFor(const torch::Device& device) {
  if (!t_current) {
    TORCH_CHECK(!device.is_cuda(), "a CUDA draw needs a RandomScope on this thread");
    return threadFallback();
  }
  if (!device.is_cuda()) return t_current->cpu_;
  if (!t_current->cuda_) t_current->cuda_ = makeGenerator(mixSeed({t_current->seed_, 1}), device);
  return *t_current->cuda_;
}

torch::Tensor normal(at::IntArrayRef sizes, const torch::TensorOptions& options) {
  return torch::randn(sizes, RandomScope::generatorFor(options.device()), options);
}

torch::Tensor uniform(at::IntArrayRef sizes, const torch::TensorOptions& options) {
  return torch::rand(sizes, RandomScope::generatorFor(options.device()), options);
}

torch::Tensor dropout(const torch::Tensor& x, double p, bool training) {
  if (!training || p <= 0) return x;
  auto keep = torch::empty_like(x).bernoulli_(1.0 - p, RandomScope::generatorFor(x.device()));
  return x * keep * (1.0 / (1.0 - p));
}

}  // namespace flowpp
