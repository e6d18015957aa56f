#include "nn/ConcatEluConv.h"

#include <ATen/Parallel.h>
#include <ATen/record_function.h>

#include "kernels/CpuKernels.h"
#include "nn/ConvLayout.h"
#include "nn/ConvPrecision.h"
#include "nn/ReferenceOps.h"

namespace flowpp {

namespace {

using torch::autograd::AutogradContext;
using torch::autograd::tensor_list;

bool useKernel(const torch::Tensor& x) {
  return x.device().is_cpu() && (x.scalar_type() == torch::kFloat || x.scalar_type() == torch::kDouble);
}

void call(const kernels::CpuKernels& k, const float* x, float* pos, float* neg, int64_t n) { k.concatEluFloat(x, pos, neg, n); }
void call(const kernels::CpuKernels& k, const double* x, double* pos, double* neg, int64_t n) { k.concatEluDouble(x, pos, neg, n); }
void call(const kernels::CpuKernels& k, const float* pos, const float* neg, const float* gPos, const float* gNeg, float* gx,
          int64_t n) {
  k.concatEluGradFloat(pos, neg, gPos, gNeg, gx, n);
}
void call(const kernels::CpuKernels& k, const double* pos, const double* neg, const double* gPos, const double* gNeg,
          double* gx, int64_t n) {
  k.concatEluGradDouble(pos, neg, gPos, gNeg, gx, n);
}

// The runs the kernels take. NCHW: one per (image, channel) of x, [B, C, ...]; run r's outputs are
// channel c of the first and of the second half of image b's 2C channels. Channels-last: one per
// pixel, its C channels; the outputs are the pixel's first and second C of 2C.
struct Runs {
  int64_t count, length, channels;
  bool last;
  Runs(const torch::Tensor& x, at::MemoryFormat format)
      : count(x.size(0) * x.size(1)), length(x.numel() / std::max<int64_t>(1, count)), channels(x.size(1)),
        last(format == at::MemoryFormat::ChannelsLast) {
    if (last) count = x.numel() / std::max<int64_t>(1, channels), length = channels;
  }
  int64_t in(int64_t r) const { return r * length; }
  int64_t pos(int64_t r) const { return last ? 2 * r * length : (r + r / channels * channels) * length; }
  int64_t neg(int64_t r) const { return last ? pos(r) + length : pos(r) + channels * length; }
  int64_t grain() const { return std::max<int64_t>(1, 4096 / std::max<int64_t>(1, length)); }  // ~4k positions a task
};

// elu([x, -x]) along dim 1, [B, C, ...] -> [B, 2C, ...]. On the CPU one pass with one exponential
// per input (kernels/ConcatEluKernel.h).
torch::Tensor concatEluValues(const torch::Tensor& xIn) {
  if (!useKernel(xIn)) return torch::elu(torch::cat({xIn, -xIn}, 1));
  const auto format = denseFormat(xIn);
  auto x = xIn.contiguous(format);
  auto sizes = x.sizes().vec();
  sizes[1] *= 2;
  auto out = torch::empty(sizes, x.options().memory_format(format));
  const Runs runs(x, format);
  const auto& k = kernels::cpuKernels();
  AT_DISPATCH_FLOATING_TYPES(x.scalar_type(), "concat_elu", [&] {
    const scalar_t* in = x.data_ptr<scalar_t>();
    scalar_t* o = out.data_ptr<scalar_t>();
    at::parallel_for(0, runs.count, runs.grain(), [&](int64_t begin, int64_t end) {
      for (int64_t r = begin; r < end; ++r) call(k, in + runs.in(r), o + runs.pos(r), o + runs.neg(r), runs.length);
    });
  });
  return out;
}

// The gradient of x from the outputs e = elu([x, -x]) and their gradient ge: elu'(z) = min(elu(z), 0) + 1.
torch::Tensor concatEluBackward(const torch::Tensor& eIn, const torch::Tensor& geIn) {
  if (!useKernel(eIn)) {
    auto halves = eIn.chunk(2, 1), gHalves = geIn.chunk(2, 1);
    return gHalves[0] * (halves[0].clamp_max(0) + 1) - gHalves[1] * (halves[1].clamp_max(0) + 1);
  }
  const auto format = denseFormat(eIn);
  auto e = eIn.contiguous(format), ge = geIn.contiguous(format);
  auto sizes = e.sizes().vec();
  sizes[1] /= 2;
  auto gx = torch::empty(sizes, e.options().memory_format(format));
  const Runs runs(gx, format);  // e's layout: with one channel, gx's alone is ambiguous
  const auto& k = kernels::cpuKernels();
  AT_DISPATCH_FLOATING_TYPES(e.scalar_type(), "concat_elu_backward", [&] {
    const scalar_t* ep = e.data_ptr<scalar_t>();
    const scalar_t* gp = ge.data_ptr<scalar_t>();
    scalar_t* g = gx.data_ptr<scalar_t>();
    at::parallel_for(0, runs.count, runs.grain(), [&](int64_t begin, int64_t end) {
      for (int64_t r = begin; r < end; ++r)
        call(k, ep + runs.pos(r), ep + runs.neg(r), gp + runs.pos(r), gp + runs.neg(r), g + runs.in(r), runs.length);
    });
  });
  return gx;
}

// concat_elu on its own (where it is not followed by a fused convolution): keeps its output.
class ConcatEluFunction : public torch::autograd::Function<ConcatEluFunction> {
 public:
  static torch::Tensor forward(AutogradContext* ctx, const torch::Tensor& x) {
    auto e = concatEluValues(x);
    ctx->save_for_backward({e});
    return e;
  }
  static tensor_list backward(AutogradContext* ctx, tensor_list grads) {
    refuseDoubleBackward("the fused concat_elu");
    if (!grads[0].defined()) return {torch::Tensor()};
    torch::NoGradGuard noGrad;
    return {concatEluBackward(ctx->get_saved_variables()[0], grads[0])};
  }
};

class ConcatEluConvFunction : public torch::autograd::Function<ConcatEluConvFunction> {
 public:
  static torch::Tensor forward(AutogradContext* ctx, const torch::Tensor& x, const torch::Tensor& weight,
                               const torch::Tensor& bias) {
    RECORD_FUNCTION("flowpp::concat_elu_conv", std::vector<c10::IValue>());
    ctx->save_for_backward({x, weight});
    return conditionerConv2d(concatEluValues(x), weight, bias, weight.size(2) / 2);
  }

  static tensor_list backward(AutogradContext* ctx, tensor_list grads) {
    RECORD_FUNCTION("flowpp::concat_elu_conv_backward", std::vector<c10::IValue>());
    refuseDoubleBackward("the fused concat_elu convolution");
    if (!grads[0].defined()) return {torch::Tensor(), torch::Tensor(), torch::Tensor()};
    torch::NoGradGuard noGrad;
    auto saved = ctx->get_saved_variables();
    const auto &x = saved[0], &weight = saved[1];
    const int64_t pad = weight.size(2) / 2;
    auto e = concatEluValues(x);
    auto [ge, gw, gb] = at::convolution_backward(
        grads[0], e, weight, weight.sizes().slice(0, 1), {1, 1}, {pad, pad}, {1, 1}, false, {0, 0}, 1,
        {ctx->needs_input_grad(0), ctx->needs_input_grad(1), ctx->needs_input_grad(2)});
    return {ge.defined() ? concatEluBackward(e, ge) : torch::Tensor(), gw, gb};
  }
};

}  // namespace

torch::Tensor concatElu(const torch::Tensor& x) {
  TORCH_CHECK(x.dim() >= 2, "concat_elu: x [B, C, ...] expected");
  if (ReferenceOpsGuard::active()) return torch::elu(torch::cat({x, -x}, 1));
  return ConcatEluFunction::apply(x);
}

torch::Tensor concatEluConv2d(const torch::Tensor& x, const torch::Tensor& weight, const torch::Tensor& bias) {
  TORCH_CHECK(x.dim() == 4 && weight.dim() == 4 && weight.size(1) == 2 * x.size(1) && bias.defined() &&
                  bias.numel() == weight.size(0),
              "concat_elu conv: x [B, C, H, W], weight [O, 2C, k, k] and bias [O] expected");
  if (ReferenceOpsGuard::active()) return torch::conv2d(torch::elu(torch::cat({x, -x}, 1)), weight, bias, 1, weight.size(2) / 2);
  return ConcatEluConvFunction::apply(x, weight, bias);
}

}  // namespace flowpp
