#include "nn/FusedAttention.h"

#include <ATen/Parallel.h>
#include <ATen/record_function.h>

#include <chrono>
#include <cmath>
#include <limits>
#include <vector>

#include "kernels/CpuKernels.h"
#include "nn/ReferenceOps.h"

namespace flowpp {

namespace {

using torch::autograd::AutogradContext;
using torch::autograd::tensor_list;
using torch::indexing::Slice;

// The non-CPU path (a GPU): tiles of rows for all heads at once, keys in blocks with an online
// softmax; a tile's weights [BH, tq, tk] are the only N-sized temporaries.
struct Tiling {
  int64_t queries = 128, keys = 1024;
  Tiling clampedTo(int64_t n) const { return {std::min(n, queries), std::min(n, keys)}; }
};

// Forward for a group of (batch, head) slices [G, N, d]: writes out [G, N, d] and lse [G, N].
void forwardGroup(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v, double scale, Tiling tiles,
                  torch::Tensor out, torch::Tensor lse) {
  const int64_t n = q.size(1);
  const auto tiling = tiles.clampedTo(n);
  for (int64_t qs = 0; qs < n; qs += tiling.queries) {
    const int64_t tq = std::min(tiling.queries, n - qs);
    auto qt = q.narrow(1, qs, tq) * scale;
    auto m = torch::full({q.size(0), tq, 1}, -std::numeric_limits<double>::infinity(), q.options());
    auto l = torch::zeros({q.size(0), tq, 1}, q.options());
    auto acc = torch::zeros({q.size(0), tq, q.size(2)}, q.options());
    for (int64_t ks = 0; ks < n; ks += tiling.keys) {
      const int64_t tk = std::min(tiling.keys, n - ks);
      auto s = torch::bmm(qt, k.narrow(1, ks, tk).transpose(1, 2));  // [G, tq, tk]
      auto mNew = torch::maximum(m, std::get<0>(s.max(2, true)));
      s.sub_(mNew).exp_();                                             // the tile's weights, unnormalised
      auto alpha = (m - mNew).exp_();                                  // rescales what the earlier tiles summed
      l.mul_(alpha).add_(s.sum(2, true));
      acc.mul_(alpha).add_(torch::bmm(s, v.narrow(1, ks, tk)));
      m = mNew;
    }
    out.narrow(1, qs, tq).copy_(acc / l);
    lse.narrow(1, qs, tq).copy_((m + l.log()).squeeze(2));
  }
}

// Backward for a group: recomputes each tile's weights from the row's log-sum-exp.
void backwardGroup(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v, const torch::Tensor& out,
                   const torch::Tensor& lse, const torch::Tensor& gradOut, double scale, Tiling tiles, torch::Tensor gq,
                   torch::Tensor gk, torch::Tensor gv) {
  const int64_t n = q.size(1);
  const auto tiling = tiles.clampedTo(n);
  auto rowDot = (gradOut * out).sum(2, true);  // D_i = sum_j P_ij dP_ij = dO_i . O_i
  gq.zero_(), gk.zero_(), gv.zero_();
  for (int64_t qs = 0; qs < n; qs += tiling.queries) {
    const int64_t tq = std::min(tiling.queries, n - qs);
    auto qt = q.narrow(1, qs, tq) * scale;
    auto go = gradOut.narrow(1, qs, tq);
    auto rowLse = lse.narrow(1, qs, tq).unsqueeze(2);
    auto d = rowDot.narrow(1, qs, tq);
    auto gqt = gq.narrow(1, qs, tq);
    for (int64_t ks = 0; ks < n; ks += tiling.keys) {
      const int64_t tk = std::min(tiling.keys, n - ks);
      auto kt = k.narrow(1, ks, tk), vt = v.narrow(1, ks, tk);
      auto p = torch::bmm(qt, kt.transpose(1, 2)).sub_(rowLse).exp_();   // [G, tq, tk], normalised weights
      gv.narrow(1, ks, tk).add_(torch::bmm(p.transpose(1, 2), go));
      auto ds = torch::bmm(go, vt.transpose(1, 2)).sub_(d).mul_(p);      // dS = P * (dP - D)
      gqt.add_(torch::bmm(ds, kt), scale);
      gk.narrow(1, ks, tk).add_(torch::bmm(ds.transpose(1, 2), qt));
    }
  }
}

// The CPU path: one kernel call per (batch, head), spread over torch's pool.
void call(const kernels::CpuKernels& k, const kernels::AttentionHead<float>& h, float* out, float* lse) { k.attentionForwardFloat(h, out, lse); }
void call(const kernels::CpuKernels& k, const kernels::AttentionHead<double>& h, double* out, double* lse) { k.attentionForwardDouble(h, out, lse); }
void call(const kernels::CpuKernels& k, const kernels::AttentionHead<float>& h, const float* out, const float* lse,
          const float* go, float* gq, float* gk, float* gv) { k.attentionBackwardFloat(h, out, lse, go, gq, gk, gv); }
void call(const kernels::CpuKernels& k, const kernels::AttentionHead<double>& h, const double* out, const double* lse,
          const double* go, double* gq, double* gk, double* gv) { k.attentionBackwardDouble(h, out, lse, go, gq, gk, gv); }

template <typename T>
kernels::AttentionHead<T> head(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v, int64_t g, double scale) {
  const int64_t n = q.size(1), d = q.size(2);
  return {q.data_ptr<T>() + g * n * d, k.data_ptr<T>() + g * n * d, v.data_ptr<T>() + g * n * d, n, d, T(scale)};
}

void forwardCpu(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v, double scale, torch::Tensor& out,
                torch::Tensor& lse) {
  const auto& kernels = kernels::cpuKernels();
  const int64_t n = q.size(1), d = q.size(2);
  AT_DISPATCH_FLOATING_TYPES(q.scalar_type(), "fused_attention", [&] {
    at::parallel_for(0, q.size(0), 1, [&](int64_t begin, int64_t end) {
      for (int64_t g = begin; g < end; ++g)
        call(kernels, head<scalar_t>(q, k, v, g, scale), out.data_ptr<scalar_t>() + g * n * d, lse.data_ptr<scalar_t>() + g * n);
    });
  });
}

void backwardCpu(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v, const torch::Tensor& out,
                 const torch::Tensor& lse, const torch::Tensor& go, double scale, torch::Tensor& gq, torch::Tensor& gk,
                 torch::Tensor& gv) {
  const auto& kernels = kernels::cpuKernels();
  const int64_t n = q.size(1), d = q.size(2);
  AT_DISPATCH_FLOATING_TYPES(q.scalar_type(), "fused_attention_backward", [&] {
    at::parallel_for(0, q.size(0), 1, [&](int64_t begin, int64_t end) {
      for (int64_t g = begin; g < end; ++g) {
        const int64_t o = g * n * d;
        call(kernels, head<scalar_t>(q, k, v, g, scale), out.data_ptr<scalar_t>() + o, lse.data_ptr<scalar_t>() + g * n,
             go.data_ptr<scalar_t>() + o, gq.data_ptr<scalar_t>() + o, gk.data_ptr<scalar_t>() + o, gv.data_ptr<scalar_t>() + o);
      }
    });
  });
}

struct ChannelsLayout {
  int64_t batch = 0, height = 0, width = 0;  // batch 0: keep [BH, N, d]
  at::MemoryFormat format = at::MemoryFormat::Contiguous;  // of the [B, heads * d, H, W] output
};

// How a call runs: the CPU kernels, or tensor ops on tiles (any device).
struct Method {
  bool tensorOps = false;
  Tiling tiles;
};

class FusedAttentionFunction : public torch::autograd::Function<FusedAttentionFunction> {
 public:
  // channels.batch > 0: the output (and the copy kept for backward) is [B, heads * d, H, W].
  static torch::Tensor forward(AutogradContext* ctx, const torch::Tensor& qIn, const torch::Tensor& kIn,
                               const torch::Tensor& vIn, double scale, Method method, ChannelsLayout channels) {
    RECORD_FUNCTION("flowpp::fused_attention", std::vector<c10::IValue>());
    torch::NoGradGuard noGrad;
    auto q = qIn.contiguous(), k = kIn.contiguous(), v = vIn.contiguous();
    auto out = torch::empty_like(q);
    auto lse = torch::empty({q.size(0), q.size(1)}, q.options());
    if (q.device().is_cpu() && !method.tensorOps)
      forwardCpu(q, k, v, scale, out, lse);
    else
      forwardGroup(q, k, v, scale, method.tiles, out, lse);
    if (channels.batch > 0) out = toChannels(out, channels);
    ctx->save_for_backward({q, k, v, out, lse});
    ctx->saved_data["scale"] = scale;
    ctx->saved_data["tensor_ops"] = method.tensorOps;
    ctx->saved_data["query_tile"] = method.tiles.queries;
    ctx->saved_data["key_tile"] = method.tiles.keys;
    ctx->saved_data["batch"] = channels.batch;
    return out;
  }

  static tensor_list backward(AutogradContext* ctx, tensor_list grads) {
    RECORD_FUNCTION("flowpp::fused_attention_backward", std::vector<c10::IValue>());
    refuseDoubleBackward("the fused attention");
    if (!grads[0].defined()) return {torch::Tensor(), torch::Tensor(), torch::Tensor(), torch::Tensor(), torch::Tensor(), torch::Tensor()};
    torch::NoGradGuard noGrad;
    auto saved = ctx->get_saved_variables();
    const auto &q = saved[0], &k = saved[1], &v = saved[2], &lse = saved[4];
    const double scale = ctx->saved_data["scale"].toDouble();
    const int64_t batch = ctx->saved_data["batch"].toInt();
    auto out = batch > 0 ? fromChannels(saved[3], q) : saved[3];
    auto go = batch > 0 ? fromChannels(grads[0], q) : grads[0].contiguous();
    auto gq = torch::empty_like(q), gk = torch::empty_like(k), gv = torch::empty_like(v);
    if (q.device().is_cpu() && !ctx->saved_data["tensor_ops"].toBool())
      backwardCpu(q, k, v, out, lse, go, scale, gq, gk, gv);
    else
      backwardGroup(q, k, v, out, lse, go, scale,
                    Tiling{ctx->saved_data["query_tile"].toInt(), ctx->saved_data["key_tile"].toInt()}, gq, gk, gv);
    return {gq, gk, gv, torch::Tensor(), torch::Tensor(), torch::Tensor()};
  }

 private:
  // [B * heads, N, d] <-> [B, heads * d, H, W] (N = H * W).
  static torch::Tensor toChannels(const torch::Tensor& out, const ChannelsLayout& c) {
    const int64_t heads = out.size(0) / c.batch, n = out.size(1), d = out.size(2);
    if (c.format == at::MemoryFormat::ChannelsLast)  // pixel by pixel, each head's d channels in turn
      return out.view({c.batch, heads, n, d})
          .permute({0, 2, 1, 3})
          .contiguous()
          .view({c.batch, c.height, c.width, heads * d})
          .permute({0, 3, 1, 2});
    return out.view({c.batch, heads, n, d}).permute({0, 1, 3, 2}).reshape({c.batch, heads * d, c.height, c.width});
  }
  static torch::Tensor fromChannels(const torch::Tensor& x, const torch::Tensor& q) {
    const int64_t batch = x.size(0), n = q.size(1), d = q.size(2), heads = q.size(0) / batch;
    return x.reshape({batch, heads, d, n}).transpose(2, 3).contiguous().view({batch * heads, n, d});
  }
};

}  // namespace

torch::Tensor fusedAttention(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v, double scale) {
  TORCH_CHECK(q.dim() == 3 && q.sizes() == k.sizes() && q.sizes() == v.sizes(), "fused attention: q, k, v must be [BH, N, d] alike");
  if (ReferenceOpsGuard::active()) return plainAttention(q, k, v, scale);
  return FusedAttentionFunction::apply(q, k, v, scale, Method{}, ChannelsLayout{});
}

torch::Tensor fusedAttentionTensorOps(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v, double scale,
                                      int64_t queryTile, int64_t keyTile) {
  TORCH_CHECK(q.dim() == 3 && q.sizes() == k.sizes() && q.sizes() == v.sizes(), "fused attention: q, k, v must be [BH, N, d] alike");
  TORCH_CHECK(queryTile >= 1 && keyTile >= 1, "fused attention: tiles of at least one row");
  return FusedAttentionFunction::apply(q, k, v, scale, Method{true, Tiling{queryTile, keyTile}}, ChannelsLayout{});
}

torch::Tensor fusedAttentionToChannels(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                                       double scale, int64_t batch, int64_t height, int64_t width, at::MemoryFormat format) {
  TORCH_CHECK(q.dim() == 3 && q.sizes() == k.sizes() && q.sizes() == v.sizes(), "fused attention: q, k, v must be [BH, N, d] alike");
  TORCH_CHECK(batch > 0 && q.size(0) % batch == 0 && q.size(1) == height * width,
              "fused attention: q must be [batch * heads, height * width, d]");
  if (ReferenceOpsGuard::active()) {
    const int64_t heads = q.size(0) / batch, d = q.size(2);
    return plainAttention(q, k, v, scale)
        .view({batch, heads, height * width, d})
        .permute({0, 1, 3, 2})
        .reshape({batch, heads * d, height, width})
        .contiguous(format);
  }
  return FusedAttentionFunction::apply(q, k, v, scale, Method{}, ChannelsLayout{batch, height, width, format});
}

double attentionExpPeakGexp() {
  const auto& kernels = kernels::cpuKernels();
  const int64_t threads = at::get_num_threads(), row = 392, reps = 50000;  // a BENCH-S row of weights
  auto measure = [&] {
    const auto start = std::chrono::steady_clock::now();
    at::parallel_for(0, threads, 1, [&](int64_t begin, int64_t end) {
      std::vector<float> weights(row, 0.5f);  // exp(w - 1) of a w in (0, 1] stays in (0, 1]: no underflow
      for (int64_t t = begin; t < end; ++t)
        for (int64_t r = 0; r < reps; ++r) kernels.expShiftSumFloat(weights.data(), row, 1.0f);
    });
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  };
  measure();  // warm-up
  return double(threads) * reps * row / measure() / 1e9;
}

torch::Tensor plainAttention(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v, double scale) {
  return torch::matmul(torch::softmax(torch::matmul(q * scale, k.transpose(-1, -2)), -1), v);
}

}  // namespace flowpp
