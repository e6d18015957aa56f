#include "nn/GatedResidual.h"

#include <ATen/Parallel.h>
#include <ATen/record_function.h>

#include <algorithm>

#include "kernels/CpuKernels.h"
#include "nn/ConvLayout.h"
#include "nn/ReferenceOps.h"

namespace flowpp {

namespace {

using torch::autograd::AutogradContext;
using torch::autograd::tensor_list;

// The one-pass kernel runs on float32 channels-last CPU tensors: the conditioners' activations
// (nn/ConvLayout). NCHW tensors, which is what the codec's conditioners use so that files decode
// with the arithmetic they were written with, and float64 take ATen's ops.
bool useKernel(const torch::Tensor& t) {
  return t.device().is_cpu() && t.scalar_type() == torch::kFloat && denseFormat(t) == at::MemoryFormat::ChannelsLast;
}

// Runs `f(begin, end)` over the pixels of a channels-last [B, C, H, W] tensor, ~4k values a task.
template <typename F>
void forPixels(const torch::Tensor& t, F&& f) {
  const int64_t c = t.size(1), pixels = t.numel() / std::max<int64_t>(1, c);
  at::parallel_for(0, pixels, std::max<int64_t>(1, 4096 / std::max<int64_t>(1, c)), f);
}

class GatedResidualFunction : public torch::autograd::Function<GatedResidualFunction> {
 public:
  static torch::Tensor forward(AutogradContext* ctx, const torch::Tensor& x, const torch::Tensor& ab) {
    RECORD_FUNCTION("flowpp::gated_residual", std::vector<c10::IValue>());
    ctx->save_for_backward({ab});
    const bool samePixels = x.dim() == 4 && ab.size(0) == x.size(0) && ab.size(2) == x.size(2) && ab.size(3) == x.size(3);
    const bool kernel = samePixels && useKernel(x) && useKernel(ab);
    ctx->saved_data["kernel"] = kernel;
    if (kernel) {
      auto out = torch::empty_like(x);
      const int64_t c = x.size(1);
      const float *xp = x.data_ptr<float>(), *abp = ab.data_ptr<float>();
      float* o = out.data_ptr<float>();
      const auto& k = kernels::cpuKernels();
      forPixels(x, [&](int64_t begin, int64_t end) {
        k.gatedResidualFloat(xp + begin * c, abp + 2 * begin * c, o + begin * c, end - begin, c);
      });
      return out;
    }
    auto halves = ab.chunk(2, 1);
    return x + halves[0] * torch::sigmoid(halves[1]);
  }

  static tensor_list backward(AutogradContext* ctx, tensor_list grads) {
    RECORD_FUNCTION("flowpp::gated_residual_backward", std::vector<c10::IValue>());
    refuseDoubleBackward("the fused gated residual");
    if (!grads[0].defined()) return {torch::Tensor(), torch::Tensor()};
    torch::NoGradGuard noGrad;
    const auto& g = grads[0];
    const auto ab = ctx->get_saved_variables()[0];
    if (ctx->saved_data["kernel"].toBool()) {
      const auto gLast = g.contiguous(at::MemoryFormat::ChannelsLast);
      auto gab = torch::empty_like(ab);
      const int64_t c = g.size(1);
      const float *gp = gLast.data_ptr<float>(), *abp = ab.data_ptr<float>();
      float* out = gab.data_ptr<float>();
      const auto& k = kernels::cpuKernels();
      forPixels(gLast, [&](int64_t begin, int64_t end) {
        k.gatedResidualGradFloat(gp + begin * c, abp + 2 * begin * c, out + 2 * begin * c, end - begin, c);
      });
      return {g, gab};
    }
    auto halves = ab.chunk(2, 1);
    auto s = torch::sigmoid(halves[1]);
    auto ga = g * s;
    auto gb = ga * halves[0] * (1 - s);  // d sigmoid(b) / db = s (1 - s)
    return {g, torch::cat({ga, gb}, 1)};
  }
};

}  // namespace

torch::Tensor gatedResidual(const torch::Tensor& x, const torch::Tensor& ab) {
  TORCH_CHECK(ab.dim() == x.dim() && ab.size(1) == 2 * x.size(1), "gated residual: ab must have twice x's channels");
  if (ReferenceOpsGuard::active()) {
    auto halves = ab.chunk(2, 1);
    return x + halves[0] * torch::sigmoid(halves[1]);
  }
  return GatedResidualFunction::apply(x, ab);
}

}  // namespace flowpp
