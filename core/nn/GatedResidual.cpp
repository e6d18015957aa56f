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

using PixelKernel = void (*)(const float*, const float*, float*, int64_t, int64_t);

// Runs a gated residual kernel over the pixels of channels-last tensors, ~4k values a task: `in`
// has C channels (x, or the output's gradient), `ab` and `out` have C or 2C (`outPerPixel`).
void runPixels(PixelKernel kernel, const torch::Tensor& in, const torch::Tensor& ab, torch::Tensor& out,
               int64_t outPerPixel) {
  const int64_t c = in.size(1), pixels = in.numel() / std::max<int64_t>(1, c);
  const float *ip = in.data_ptr<float>(), *abp = ab.data_ptr<float>();
  float* op = out.data_ptr<float>();
  at::parallel_for(0, pixels, std::max<int64_t>(1, 4096 / std::max<int64_t>(1, c)), [&](int64_t begin, int64_t end) {
    kernel(ip + begin * c, abp + 2 * begin * c, op + begin * outPerPixel, end - begin, c);
  });
}

class GatedResidualFunction : public torch::autograd::Function<GatedResidualFunction> {
 public:
  static torch::Tensor forward(AutogradContext* ctx, const torch::Tensor& x, const torch::Tensor& ab) {
    RECORD_FUNCTION("flowpp::gated_residual", std::vector<c10::IValue>());
    ctx->save_for_backward({ab});
    const bool samePixels =
        x.dim() == 4 && ab.size(0) == x.size(0) && ab.size(2) == x.size(2) && ab.size(3) == x.size(3);
    const bool kernel = samePixels && useKernel(x) && useKernel(ab);
    ctx->saved_data["kernel"] = kernel;
    if (kernel) {
      auto out = torch::empty_like(x);
      runPixels(kernels::cpuKernels().gatedResidualFloat, x, ab, out, x.size(1));
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
      auto gab = torch::empty_like(ab);
      runPixels(kernels::cpuKernels().gatedResidualGradFloat, g.contiguous(at::MemoryFormat::ChannelsLast), ab, gab,
                2 * g.size(1));
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
