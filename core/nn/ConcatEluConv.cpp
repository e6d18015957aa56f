#include "nn/ConcatEluConv.h"

#include <ATen/record_function.h>

namespace flowpp {

namespace {

using torch::autograd::AutogradContext;
using torch::autograd::tensor_list;

class ConcatEluConvFunction : public torch::autograd::Function<ConcatEluConvFunction> {
 public:
  static torch::Tensor forward(AutogradContext* ctx, const torch::Tensor& x, const torch::Tensor& weight,
                               const torch::Tensor& bias) {
    RECORD_FUNCTION("flowpp::concat_elu_conv", std::vector<c10::IValue>());
    ctx->save_for_backward({x, weight});
    return torch::conv2d(concatElu(x), weight, bias, 1, weight.size(2) / 2);
  }

  static tensor_list backward(AutogradContext* ctx, tensor_list grads) {
    RECORD_FUNCTION("flowpp::concat_elu_conv_backward", std::vector<c10::IValue>());
    torch::NoGradGuard noGrad;
    auto saved = ctx->get_saved_variables();
    const auto &x = saved[0], &weight = saved[1];
    const int64_t pad = weight.size(2) / 2;
    auto e = concatElu(x);
    auto [ge, gw, gb] = at::convolution_backward(
        grads[0], e, weight, weight.sizes().slice(0, 1), {1, 1}, {pad, pad}, {1, 1}, false, {0, 0}, 1,
        {ctx->needs_input_grad(0), ctx->needs_input_grad(1), ctx->needs_input_grad(2)});
    torch::Tensor gx;
    if (ge.defined()) {
      // elu'(z) is 1 for z > 0 and exp(z) = elu(z) + 1 otherwise: min(elu(z), 0) + 1 in both cases.
      auto halves = e.chunk(2, 1), gHalves = ge.chunk(2, 1);
      gx = gHalves[0] * (halves[0].clamp_max(0) + 1) - gHalves[1] * (halves[1].clamp_max(0) + 1);
    }
    return {gx, gw, gb};
  }
};

}  // namespace

torch::Tensor concatElu(const torch::Tensor& x) { return torch::elu(torch::cat({x, -x}, 1)); }

torch::Tensor concatEluConv2d(const torch::Tensor& x, const torch::Tensor& weight, const torch::Tensor& bias) {
  TORCH_CHECK(x.dim() == 4 && weight.dim() == 4 && weight.size(1) == 2 * x.size(1) && bias.defined() &&
                  bias.numel() == weight.size(0),
              "concat_elu conv: x [B, C, H, W], weight [O, 2C, k, k] and bias [O] expected");
  return ConcatEluConvFunction::apply(x, weight, bias);
}

}  // namespace flowpp
