#pragma once
// Randomness without torch's global generator. A worker (the trainer, a studio worker thread, an
// evaluation) owns a torch::Generator and opens a RandomScope around its work; every random draw of
// the core (weight initialisation, dequantization noise, dropout masks) takes the generator of the
// innermost scope on the calling thread. Threads therefore never disturb each other's draws, and a
// run is a pure function of its seeds. Without a scope a thread uses its own fixed-seed generator.
#include <cstdint>
#include <initializer_list>
#include <optional>

#include <torch/torch.h>

namespace flowpp {

torch::Generator makeGenerator(uint64_t seed, const torch::Device& device = torch::kCPU);

// A well-mixed 64-bit seed from several parts (splitmix64), e.g. {seed, step, rank}.
uint64_t mixSeed(std::initializer_list<uint64_t> parts);

class RandomScope {
 public:
  explicit RandomScope(uint64_t seed);
  ~RandomScope();
  RandomScope(const RandomScope&) = delete;
  RandomScope& operator=(const RandomScope&) = delete;

  // The generator for draws on `device` in the innermost scope of this thread.
  static torch::Generator generatorFor(const torch::Device& device);

 private:
  uint64_t seed_;
  torch::Generator cpu_;
  std::optional<torch::Generator> cuda_;
  RandomScope* previous_;
};

// N(0, 1) and U[0, 1) draws from the scope's generator (dtype float unless `options` says).
torch::Tensor normal(at::IntArrayRef sizes, const torch::TensorOptions& options = {});
torch::Tensor uniform(at::IntArrayRef sizes, const torch::TensorOptions& options = {});
// Inverted dropout with a Bernoulli mask drawn from the scope's generator.
torch::Tensor dropout(const torch::Tensor& x, double p, bool training);

}  // namespace flowpp
