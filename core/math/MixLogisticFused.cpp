#include "math/MixLogisticFused.h"

#include <ATen/Parallel.h>
#include <ATen/record_function.h>

#include <atomic>

#include "kernels/CpuKernels.h"
#include "nn/ReferenceOps.h"

namespace flowpp {

namespace {

using torch::autograd::AutogradContext;
using torch::autograd::tensor_list;

struct Views {
  int64_t rows, hw;
};

Views viewsOf(const torch::Tensor& x, const torch::Tensor& raw, int64_t K) {
  TORCH_CHECK(x.dim() == 4 && raw.dim() == 4 && raw.size(1) == x.size(1) * (2 + 3 * K) && raw.size(0) == x.size(0) &&
                  raw.size(2) == x.size(2) && raw.size(3) == x.size(3),
              "mixture coupling: raw parameters ", raw.sizes(), " do not fit x ", x.sizes(), " with K = ", K);
  return {x.size(0) * x.size(1), x.size(2) * x.size(3)};
}

// Overloads that pick the float or double kernel of the table.
void call(const kernels::CpuKernels& k, const kernels::RowIn<float>& in, const kernels::RowOut<float>& out) { k.forwardFloat(in, out); }
void call(const kernels::CpuKernels& k, const kernels::RowIn<double>& in, const kernels::RowOut<double>& out) { k.forwardDouble(in, out); }
void call(const kernels::CpuKernels& k, const kernels::RowIn<float>& in, const kernels::RowGrad<float>& g) { k.backwardFloat(in, g); }
void call(const kernels::CpuKernels& k, const kernels::RowIn<double>& in, const kernels::RowGrad<double>& g) { k.backwardDouble(in, g); }
void call(const kernels::CpuKernels& k, const kernels::InverseRowIn<float>& in, kernels::InverseRowOut<float>& out) { k.inverseFloat(in, out); }
void call(const kernels::CpuKernels& k, const kernels::InverseRowIn<double>& in, kernels::InverseRowOut<double>& out) { k.inverseDouble(in, out); }

template <typename T>
kernels::RowIn<T> rowIn(const torch::Tensor& x, const torch::Tensor& raw, int64_t row, Views v, int64_t K) {
  return {x.data_ptr<T>() + row * v.hw, raw.data_ptr<T>() + row * (2 + 3 * K) * v.hw, v.hw, K, T(kMinMixtureLogScale)};
}

// The autograd function: forward saves x, raw and four numbers per element (the three log-space
// mixture terms and the logits' normaliser); backward is one more pass over the components.
class FusedCoupling : public torch::autograd::Function<FusedCoupling> {
 public:
  static tensor_list forward(AutogradContext* ctx, const torch::Tensor& xIn, const torch::Tensor& rawIn, int64_t K) {
    RECORD_FUNCTION("flowpp::mix_logistic_coupling", std::vector<c10::IValue>());
    auto x = xIn.contiguous(), raw = rawIn.contiguous();
    const auto v = viewsOf(x, raw, K);
    auto y = torch::empty_like(x), logdet = torch::empty_like(x);
    auto stats = torch::empty({v.rows, 4, v.hw}, x.options());
    const auto& k = kernels::cpuKernels();
    AT_DISPATCH_FLOATING_TYPES(x.scalar_type(), "mix_logistic_coupling", [&] {
      at::parallel_for(0, v.rows, 1, [&](int64_t begin, int64_t end) {
        for (int64_t r = begin; r < end; ++r) {
          kernels::RowOut<scalar_t> out{y.data_ptr<scalar_t>() + r * v.hw, logdet.data_ptr<scalar_t>() + r * v.hw,
                                        stats.data_ptr<scalar_t>() + r * 4 * v.hw};
          call(k, rowIn<scalar_t>(x, raw, r, v, K), out);
        }
      });
    });
    ctx->save_for_backward({x, raw, stats});
    ctx->saved_data["K"] = K;
    return {y, logdet};
  }

  static tensor_list backward(AutogradContext* ctx, tensor_list grads) {
    RECORD_FUNCTION("flowpp::mix_logistic_coupling_backward", std::vector<c10::IValue>());
    refuseDoubleBackward("the fused mixture coupling");
    auto saved = ctx->get_saved_variables();
    const auto &x = saved[0], &raw = saved[1], &stats = saved[2];
    const int64_t K = ctx->saved_data["K"].toInt();
    const auto v = viewsOf(x, raw, K);
    if (!grads[0].defined() && !grads[1].defined()) return {torch::Tensor(), torch::Tensor(), torch::Tensor()};
    auto gy = grads[0].defined() ? grads[0].contiguous() : torch::zeros_like(x);
    auto gl = grads[1].defined() ? grads[1].contiguous() : torch::zeros_like(x);
    auto gx = torch::empty_like(x), graw = torch::empty_like(raw);
    const auto& k = kernels::cpuKernels();
    AT_DISPATCH_FLOATING_TYPES(x.scalar_type(), "mix_logistic_coupling_backward", [&] {
      at::parallel_for(0, v.rows, 1, [&](int64_t begin, int64_t end) {
        for (int64_t r = begin; r < end; ++r) {
          kernels::RowGrad<scalar_t> g{stats.data_ptr<scalar_t>() + r * 4 * v.hw, gy.data_ptr<scalar_t>() + r * v.hw,
                                       gl.data_ptr<scalar_t>() + r * v.hw, gx.data_ptr<scalar_t>() + r * v.hw,
                                       graw.data_ptr<scalar_t>() + r * (2 + 3 * K) * v.hw};
          call(k, rowIn<scalar_t>(x, raw, r, v, K), g);
        }
      });
    });
    return {gx, graw, torch::Tensor()};
  }
};

}  // namespace

CouplingTransform mixLogisticCouplingFused(const torch::Tensor& x, const torch::Tensor& raw, int64_t K) {
  TORCH_CHECK(x.device().is_cpu(), "the fused mixture coupling runs on the CPU");
  TORCH_CHECK(x.scalar_type() == raw.scalar_type(), "mixture coupling: x and raw differ in dtype");
  auto out = FusedCoupling::apply(x, raw, K);
  return {out[0], out[1]};
}

CouplingTransform mixLogisticCouplingPlain(const torch::Tensor& x, const torch::Tensor& raw, int64_t K) {
  viewsOf(x, raw, K);
  // [B, C*(2+3K), H, W] -> [B, C, H, W, 2+3K]
  auto p = raw.view({raw.size(0), x.size(1), 2 + 3 * K, raw.size(2), raw.size(3)}).permute({0, 1, 3, 4, 2});
  auto a = torch::tanh(p.select(-1, 0));
  MixLogisticParams mix{p.narrow(-1, 2, K), p.narrow(-1, 2 + K, K), p.narrow(-1, 2 + 2 * K, K).clamp_min(kMinMixtureLogScale)};
  auto c = mixLogisticLogCdf(x, mix);
  return {torch::exp(a) * (c.logF - c.log1mF) + p.select(-1, 1), c.logPdf - c.logF - c.log1mF + a};
}

CouplingTransform mixLogisticCoupling(const torch::Tensor& x, const torch::Tensor& raw, int64_t K) {
  const bool fused = x.device().is_cpu() && !ReferenceOpsGuard::active();
  return fused ? mixLogisticCouplingFused(x, raw, K) : mixLogisticCouplingPlain(x, raw, K);
}

namespace {
CouplingInverseResult plainInverse(const torch::Tensor& y, const torch::Tensor& raw, int64_t K, const InverseOptions& options) {
  auto p = raw.view({raw.size(0), y.size(1), 2 + 3 * K, raw.size(2), raw.size(3)}).permute({0, 1, 3, 4, 2});
  auto a = torch::tanh(p.select(-1, 0));
  MixLogisticParams mix{p.narrow(-1, 2, K), p.narrow(-1, 2 + K, K), p.narrow(-1, 2 + 2 * K, K).clamp_min(kMinMixtureLogScale)};
  auto solved = mixLogisticInverse((y - p.select(-1, 1)) * torch::exp(-a), mix, options);
  auto c = mixLogisticLogCdf(solved.x, mix);
  return {solved.x, -(c.logPdf - c.logF - c.log1mF + a), solved.iterations, solved.converged};
}
}  // namespace

CouplingInverseResult mixLogisticCouplingInverse(const torch::Tensor& yIn, const torch::Tensor& rawIn, int64_t K,
                                                 const InverseOptions& options) {
  torch::NoGradGuard noGrad;
  const auto v = viewsOf(yIn, rawIn, K);
  if (!yIn.device().is_cpu() || options.method == InverseMethod::Bisection || ReferenceOpsGuard::active())
    return plainInverse(yIn, rawIn, K, options);
  RECORD_FUNCTION("flowpp::mix_logistic_coupling_inverse", std::vector<c10::IValue>());
  auto y = yIn.contiguous(), raw = rawIn.contiguous();
  auto x = torch::empty_like(y), logdet = torch::empty_like(y);
  std::atomic<int> iterations{0};
  std::atomic<bool> converged{true};
  const auto& k = kernels::cpuKernels();
  AT_DISPATCH_FLOATING_TYPES(y.scalar_type(), "mix_logistic_coupling_inverse", [&] {
    at::parallel_for(0, v.rows, 1, [&](int64_t begin, int64_t end) {
      for (int64_t r = begin; r < end; ++r) {
        kernels::InverseRowIn<scalar_t> in{y.data_ptr<scalar_t>() + r * v.hw, raw.data_ptr<scalar_t>() + r * (2 + 3 * K) * v.hw,
                                           v.hw, K, kMinMixtureLogScale, options.tolerance, options.maxIterations};
        kernels::InverseRowOut<scalar_t> out{x.data_ptr<scalar_t>() + r * v.hw, logdet.data_ptr<scalar_t>() + r * v.hw};
        call(k, in, out);
        int seen = iterations.load();
        while (out.maxIterations > seen && !iterations.compare_exchange_weak(seen, out.maxIterations)) {
        }
        if (!out.allConverged) converged = false;
      }
    });
  });
  return {x, logdet, iterations.load(), converged.load()};
}

const char* mixLogisticKernelIsa() { return kernels::cpuKernels().isa; }

}  // namespace flowpp
