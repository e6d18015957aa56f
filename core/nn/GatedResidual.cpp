#include "nn/GatedResidual.h"

#include <ATen/record_function.h>

#include "nn/ReferenceOps.h"

namespace flowpp {

namespace {

using torch::autograd::AutogradContext;
using torch::autograd::tensor_list;

class GatedResidualFunction : public torch::autograd::Function<GatedResidualFunction> {
 public:
  static torch::Tensor forward(AutogradContext* ctx, const torch::Tensor& x, const torch::Tensor& ab) {
    RECORD_FUNCTION("flowpp::gated_residual", std::vector<c10::IValue>());
    ctx->save_for_backward({ab});
    auto halves = ab.chunk(2, 1);
    return x + halves[0] * torch::sigmoid(halves[1]);
  }

  static tensor_list backward(AutogradContext* ctx, tensor_list grads) {
    RECORD_FUNCTION("flowpp::gated_residual_backward", std::vector<c10::IValue>());
    refuseDoubleBackward("the fused gated residual");
    if (!grads[0].defined()) return {torch::Tensor(), torch::Tensor()};
    torch::NoGradGuard noGrad;
    const auto& g = grads[0];
    auto halves = ctx->get_saved_variables()[0].chunk(2, 1);
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
