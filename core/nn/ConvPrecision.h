#pragma once
// Reduced-precision (bfloat16) conditioner convolutions on CPUs with AVX512_BF16, measured by bench.
//
// A coupling's conditioner sees the same input in both directions, so computing it in bf16 changes
// which invertible map a layer applies, not whether it is inverted exactly: x = f^-1(z) decoded in
// bf16 encodes back to z with the same precision. Only the convolutions run in bf16 (inputs,
// weights and bias rounded; oneDNN accumulates in fp32); their outputs are fp32 again at once, and
// log-determinants are computed in fp32 from them. Nothing is reduced unless a caller opts in with
// a Bf16ConvScope: today only `flowpp bench` ("bf16_conditioners"), which measures it. On the
// bundled model and BENCH-S it does not pay for sampling (convolutions are a small part of it), and
// it would pay for evaluation only by moving bits/dim by more than the 0.001 the project allows
// (README "Performance"). FLOWPP_BF16=0 turns it off everywhere. With grad mode on, convolutions
// stay fp32.
#include <torch/torch.h>

namespace flowpp {

bool cpuHasBf16();        // AVX512_BF16 dot products (and the OS saves the registers)
bool bf16ConvsAvailable();  // cpuHasBf16() and not FLOWPP_BF16=0
bool bf16ConvsActive();     // on this thread, now

// Asks for bf16 conditioner convolutions on this thread while it lives (where available).
class Bf16ConvScope {
 public:
  explicit Bf16ConvScope(bool on);
  ~Bf16ConvScope();
  Bf16ConvScope(const Bf16ConvScope&) = delete;
  Bf16ConvScope& operator=(const Bf16ConvScope&) = delete;

 private:
  bool previous_;
};

// A stride-1 convolution with `pad` zeros on each side, in bf16 where a scope asks for it and the
// input is a float CPU tensor outside autograd; otherwise exactly torch::conv2d.
torch::Tensor conditionerConv2d(const torch::Tensor& x, const torch::Tensor& weight, const torch::Tensor& bias, int64_t pad);

}  // namespace flowpp
