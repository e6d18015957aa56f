#include "codec/ModelCoder.h"

#include <cmath>
#include <functional>

#include "codec/ElementMaps.h"
#include "codec/GaussianCode.h"
#include "flows/Partition.h"
#include "nn/ConvLayout.h"
#include "math/MixLogisticFused.h"

namespace flowpp::codec {

namespace {

using Tensor = torch::Tensor;

// An elementwise map of one element (its index in the flattened tensor): f with its slope, and f^-1.
struct ElementMap {
  std::function<MapValue(int64_t e, double x)> forward;
  std::function<double(int64_t e, double y)> inverse;
  std::optional<int64_t> outLo, outHi;  // bounds of the output's grid values, where it has some
};

// A lower-upper factorisation P W = L U (partial pivoting, float64) of a 1x1 convolution's weight,
// so W = P^T L U. Both sides compute it from the same weights, in the same order.
struct Lu {
  int64_t c = 0;
  std::vector<double> l, u;  // row-major c x c (l unit lower, u upper)
  std::vector<int64_t> row;  // P: row i of P W is row row[i] of W
};

Lu factorise(const Tensor& weight) {
  auto w = weight.to(torch::kDouble).contiguous();
  Lu f;
  f.c = w.size(0);
  const int64_t c = f.c;
  std::vector<double> a(w.data_ptr<double>(), w.data_ptr<double>() + c * c);
  f.row.resize(size_t(c));
  for (int64_t i = 0; i < c; ++i) f.row[size_t(i)] = i;
  for (int64_t k = 0; k < c; ++k) {
    int64_t pivot = k;
    for (int64_t i = k + 1; i < c; ++i)
      if (std::abs(a[size_t(i * c + k)]) > std::abs(a[size_t(pivot * c + k)])) pivot = i;
    if (pivot != k) {
      for (int64_t j = 0; j < c; ++j) std::swap(a[size_t(k * c + j)], a[size_t(pivot * c + j)]);
      std::swap(f.row[size_t(k)], f.row[size_t(pivot)]);
    }
    TORCH_CHECK(a[size_t(k * c + k)] != 0, "a 1x1 convolution's weight is singular: the model cannot be coded");
    for (int64_t i = k + 1; i < c; ++i) {
      a[size_t(i * c + k)] /= a[size_t(k * c + k)];
      for (int64_t j = k + 1; j < c; ++j) a[size_t(i * c + j)] -= a[size_t(i * c + k)] * a[size_t(k * c + j)];
    }
  }
  f.l.assign(size_t(c * c), 0), f.u.assign(size_t(c * c), 0);
  for (int64_t i = 0; i < c; ++i)
    for (int64_t j = 0; j < c; ++j) {
      if (j < i) f.l[size_t(i * c + j)] = a[size_t(i * c + j)];
      else f.u[size_t(i * c + j)] = a[size_t(i * c + j)];
    }
  for (int64_t i = 0; i < c; ++i) f.l[size_t(i * c + i)] = 1;
  return f;
}

Tensor toFloat(const Tensor& grid) { return (grid.to(torch::kDouble) * kGridStep).to(torch::kFloat); }

}  // namespace

struct ModelCoder::Impl {
  FlowPlusPlus model;
  CoderOptions options;
  double levels;

  // While encoding with a pixel map: bits per sub-pixel of the batch (image layout). Each coded
  // element's stack growth is charged to the sub-pixel it came from; layers that only move elements
  // (squeezes, splits) move an `origin` tensor of those indices too.
  double* pixelBits = nullptr;

  Impl(FlowPlusPlus m, CoderOptions o) : model(std::move(m)), options(o), levels(std::ldexp(1.0, model->config().nBits)) {
    model->eval();
  }

  void charge(const std::vector<double>& costs, const Tensor& origin) {
    const auto o = origin.contiguous();
    const int64_t* op = o.data_ptr<int64_t>();
    for (size_t e = 0; e < costs.size(); ++e) pixelBits[op[e]] += costs[e];
  }

  // ---- One elementwise layer, over the elements in `order` (encoding order; decoding reverses it).

  // With `costs`, each element's stack growth in bits (indexed like the tensor).
  Tensor encodeMap(AnsStack& s, const Tensor& in, const ElementMap& f, const std::vector<int64_t>& order,
                   std::vector<double>* costs = nullptr) {
    auto x = in.contiguous();
    auto out = torch::empty_like(x);
    const int64_t* xp = x.data_ptr<int64_t>();
    int64_t* yp = out.data_ptr<int64_t>();
    if (costs) costs->assign(size_t(x.numel()), 0.0);
    for (int64_t e : order) {
      const double before = costs ? s.bits() : 0.0;
      const auto v = f.forward(e, gridValue(xp[e]));
      yp[e] = popGaussian(s, {v.y, options.sigma * v.slope, f.outLo, f.outHi});
      pushGaussian(s, xp[e], {f.inverse(e, gridValue(yp[e])), options.sigma, {}, {}});
      if (costs) (*costs)[size_t(e)] = s.bits() - before;
    }
    return out;
  }

  Tensor decodeMap(AnsStack& s, const Tensor& out, const ElementMap& f, const std::vector<int64_t>& order) {
    auto y = out.contiguous();
    auto in = torch::empty_like(y);
    const int64_t* yp = y.data_ptr<int64_t>();
    int64_t* xp = in.data_ptr<int64_t>();
    for (auto it = order.rbegin(); it != order.rend(); ++it) {
      const int64_t e = *it;
      xp[e] = popGaussian(s, {f.inverse(e, gridValue(yp[e])), options.sigma, {}, {}});
      const auto v = f.forward(e, gridValue(xp[e]));
      pushGaussian(s, yp[e], {v.y, options.sigma * v.slope, f.outLo, f.outHi});
    }
    return in;
  }

  // `origin` (encoding with a pixel map only): the sub-pixel each element of `t` came from.
  Tensor codeMap(AnsStack& s, const Tensor& t, const ElementMap& f, bool encoding, const Tensor* origin = nullptr) {
    std::vector<int64_t> order(size_t(t.numel()));
    for (size_t i = 0; i < order.size(); ++i) order[i] = int64_t(i);
    if (!encoding) return decodeMap(s, t, f, order);
    if (!origin || !pixelBits) return encodeMap(s, t, f, order);
    std::vector<double> costs;
    auto out = encodeMap(s, t, f, order, &costs);
    charge(costs, *origin);
    return out;
  }

  // ---- The layers.

  ElementMap actNormMap(const ActNorm& norm) {
    auto logScale = norm->logScale().detach().to(torch::kDouble).contiguous();
    auto bias = norm->bias().detach().to(torch::kDouble).contiguous();
    const int64_t per = logScale.numel();
    return {[logScale, bias, per](int64_t e, double x) {
              return affineForward(x, logScale.data_ptr<double>()[e % per], bias.data_ptr<double>()[e % per]);
            },
            [logScale, bias, per](int64_t e, double y) {
              return affineInverse(y, logScale.data_ptr<double>()[e % per], bias.data_ptr<double>()[e % per]);
            },
            {}, {}};
  }

  // y = W x per position, as U (upper triangular, channels in increasing order: each uses the
  // channels after it, not yet changed), then L (unit lower, channels in decreasing order), then the
  // rows' permutation P^T (moves only).
  // With a pixel map, the convolution's bits are shared equally by the channels of each position and
  // output channel j stays charged where input channel j was: it mixes the position's channels, and
  // the model's heatmap (FlowPlusPlusImpl::logLikelihood) counts it the same way.
  Tensor codeConv(AnsStack& s, const Tensor& t, const InvConv1x1& conv, bool encoding, const Tensor* origin = nullptr) {
    const auto lu = factorise(conv->weight().detach());
    const int64_t b = t.size(0), c = t.size(1), hw = t.size(2) * t.size(3);
    auto triangular = [&](const Tensor& in, bool upper, bool enc) {
      auto values = in.contiguous();
      // The element's shift reads the other channels of its position from `v`: the originals
      // (encoding: the layer's input, which the outputs do not overwrite; decoding: the channels
      // already restored).
      const int64_t* v = values.data_ptr<int64_t>();
      auto shift = [&](int64_t e) {
        const int64_t n = e / (c * hw), ch = (e / hw) % c, p = e % hw;
        double sum = 0;
        const auto& m = upper ? lu.u : lu.l;
        for (int64_t j = upper ? ch + 1 : 0; j < (upper ? c : ch); ++j) sum += m[size_t(ch * c + j)] * gridValue(v[(n * c + j) * hw + p]);
        return sum;
      };
      auto logDiagonal = [&](int64_t e) { return upper ? std::log(std::abs(lu.u[size_t(((e / hw) % c) * (c + 1))])) : 0.0; };
      auto sign = [&](int64_t e) { return upper && lu.u[size_t(((e / hw) % c) * (c + 1))] < 0 ? -1.0 : 1.0; };
      ElementMap f{[&](int64_t e, double x) { return affineForward(sign(e) * x, logDiagonal(e), shift(e)); },
                   [&](int64_t e, double y) { return sign(e) * affineInverse(y, logDiagonal(e), shift(e)); },
                   {}, {}};
      std::vector<int64_t> order;
      order.reserve(size_t(values.numel()));
      for (int64_t n = 0; n < b; ++n)
        for (int64_t k = 0; k < c; ++k) {
          const int64_t ch = upper ? k : c - 1 - k;
          for (int64_t p = 0; p < hw; ++p) order.push_back((n * c + ch) * hw + p);
        }
      if (enc) {
        // Encoding writes the outputs elsewhere, so `values` keeps the originals the shifts read.
        if (!origin || !pixelBits) return encodeMap(s, values, f, order);
        std::vector<double> costs;
        auto out = encodeMap(s, values, f, order, &costs);
        for (int64_t n = 0; n < b; ++n)
          for (int64_t p = 0; p < hw; ++p) {
            double sum = 0;
            for (int64_t ch = 0; ch < c; ++ch) sum += costs[size_t((n * c + ch) * hw + p)];
            for (int64_t ch = 0; ch < c; ++ch) costs[size_t((n * c + ch) * hw + p)] = sum / double(c);
          }
        charge(costs, *origin);
        return out;
      }
      // Decoding restores in place, in reverse order: each shift reads channels already restored.
      auto restored = values.clone();
      const int64_t* out = values.data_ptr<int64_t>();
      int64_t* in2 = restored.data_ptr<int64_t>();
      v = in2;
      for (auto it = order.rbegin(); it != order.rend(); ++it) {
        const int64_t e = *it;
        in2[e] = popGaussian(s, {f.inverse(e, gridValue(out[e])), options.sigma, {}, {}});
        const auto val = f.forward(e, gridValue(in2[e]));
        pushGaussian(s, out[e], {val.y, options.sigma * val.slope, {}, {}});
      }
      return restored;
    };
    auto permute = [&](const Tensor& in, bool forward) {
      // y = P^T z: row i of P W is row row[i] of W, so output channel row[i] takes z's channel i.
      auto out = torch::empty_like(in);
      for (int64_t i = 0; i < c; ++i) {
        if (forward) out.select(1, lu.row[size_t(i)]).copy_(in.select(1, i));
        else out.select(1, i).copy_(in.select(1, lu.row[size_t(i)]));
      }
      return out;
    };
    if (encoding) return permute(triangular(triangular(t, true, true), false, true), true);
    return triangular(triangular(permute(t, false), false, false), true, false);
  }

  ElementMap couplingMap(const Tensor& raw, int64_t K, const Tensor& like) {
    auto p = raw.detach().to(torch::kDouble).contiguous();
    const int64_t c = like.size(1), hw = like.size(2) * like.size(3), slots = K > 0 ? 2 + 3 * K : 2;
    // The element's slots: raw[n][ch * slots + s][pixel], s = 0 .. slots - 1. (The lambda keeps p.)
    auto at = [p, c, hw, slots](int64_t e) {
      const int64_t n = e / (c * hw), ch = (e / hw) % c, pix = e % hw;
      return p.data_ptr<double>() + (n * c * slots + ch * slots) * hw + pix;
    };
    if (K == 0) {
      auto forward = [at, hw](int64_t e, double x) { const double* q = at(e); return affineForward(x, std::tanh(q[0]), q[hw]); };
      auto inverse = [at, hw](int64_t e, double y) { const double* q = at(e); return affineInverse(y, std::tanh(q[0]), q[hw]); };
      return {forward, inverse, {}, {}};
    }
    auto mixture = [at, hw, K](int64_t e, std::vector<double>& buf) {
      const double* q = at(e);
      buf.resize(size_t(3 * K));
      for (int64_t k = 0; k < K; ++k) {
        buf[size_t(k)] = q[(2 + k) * hw];
        buf[size_t(K + k)] = q[(2 + K + k) * hw];
        buf[size_t(2 * K + k)] = std::max(q[(2 + 2 * K + k) * hw], kMinMixtureLogScale);
      }
      return Mixture{std::tanh(q[0]), q[hw], int(K), buf.data(), buf.data() + K, buf.data() + 2 * K};
    };
    auto buffer = std::make_shared<std::vector<double>>();
    return {[mixture, buffer](int64_t e, double x) { return mixtureForward(x, mixture(e, *buffer)); },
            [mixture, buffer](int64_t e, double y) { return mixtureInverse(y, mixture(e, *buffer)); },
            {}, {}};
  }

  // A coupling group, as CouplingGroupImpl::forward applies it (and the reverse for decoding).
  // (A group only moves elements between its halves and back: `origin` comes out as it went in.)
  Tensor codeGroup(AnsStack& s, const Tensor& t, const CouplingGroup& group, const Tensor& context, bool encoding,
                   const Tensor* origin = nullptr) {
    const auto split = group->options().split();
    auto [a, b] = splitHalves(t, split);
    a = a.contiguous(), b = b.contiguous();
    const auto& steps = group->steps();
    auto coupling = [&](const Tensor& half, const Tensor& cond, const std::shared_ptr<CouplingImpl>& c, bool enc,
                        const Tensor* halfOrigin) {
      auto raw = c->rawParameters(toFloat(cond), context);
      return codeMap(s, half, couplingMap(raw, c->components(), half), enc, halfOrigin);
    };
    if (encoding) {
      Tensor oa, ob;
      if (origin) std::tie(oa, ob) = splitHalves(*origin, split);
      const Tensor* pa = origin ? &oa : nullptr;
      const Tensor* pb = origin ? &ob : nullptr;
      for (const auto& step : steps) {
        a = codeMap(s, a, actNormMap(step.normA), true, pa);
        b = codeMap(s, b, actNormMap(step.normB), true, pb);
        if (step.convA) a = codeConv(s, a, step.convA, true, pa);
        if (step.convB) b = codeConv(s, b, step.convB, true, pb);
        b = coupling(b, a, step.coupling, true, pb);
        std::swap(a, b);
        std::swap(oa, ob);
      }
      if (steps.size() % 2 == 1) std::swap(a, b);
      return mergeHalves(a, b, split);
    }
    if (steps.size() % 2 == 1) std::swap(a, b);
    for (auto it = steps.rbegin(); it != steps.rend(); ++it) {
      std::swap(a, b);
      b = coupling(b, a, it->coupling, false, nullptr);
      if (it->convB) b = codeConv(s, b, it->convB, false);
      if (it->convA) a = codeConv(s, a, it->convA, false);
      b = codeMap(s, b, actNormMap(it->normB), false);
      a = codeMap(s, a, actNormMap(it->normA), false);
    }
    return mergeHalves(a, b, split);
  }

  // y -> z through the main flow (encoding), or z -> y (decoding).
  Tensor codeMainFlow(AnsStack& s, Tensor h, bool encoding, Tensor* origin = nullptr) {
    const double lv = levels;
    const ElementMap preprocess{[lv](int64_t, double y) { return logitForward(y, lv); },
                                [lv](int64_t, double v) { return logitInverse(v, lv); }, {}, {}};
    const auto& stages = model->stages();
    if (encoding) {
      h = codeMap(s, h, preprocess, true, origin);
      for (const auto& st : stages) {
        if (!st.squeeze) {
          h = codeGroup(s, h, st.group, {}, true, origin);
          continue;
        }
        h = spaceToDepth(h).contiguous();
        if (origin) *origin = spaceToDepth(*origin).contiguous();
      }
      return h;
    }
    for (auto it = stages.rbegin(); it != stages.rend(); ++it)
      h = it->squeeze ? depthToSpace(h).contiguous() : codeGroup(s, h, it->group, {}, false);
    return codeMap(s, h, preprocess, false);
  }

  // The latent shape of a batch of `count` images.
  std::vector<int64_t> latentShape(int64_t count) const {
    const auto& c = model->config();
    int64_t ch = c.channels, h = c.height, w = c.width;
    for (const auto& st : model->stages())
      if (st.squeeze) ch *= 4, h /= 2, w /= 2;
    return {count, ch, h, w};
  }

  static ElementMap sigmoidMap() {
    // u stays strictly inside (0, 1): y = x + u must stay in x's cell, and logit(u) finite.
    return {[](int64_t, double v) { return sigmoidForward(v); }, [](int64_t, double u) { return sigmoidInverse(u); },
            int64_t(1), (int64_t(1) << kGridBits) - 1};
  }

  EncodedBatch encode(AnsStack& s, const Tensor& xIn, CodingLedger* ledger) {
    torch::NoGradGuard noGrad;
    CodingLedger unused;
    auto& book = ledger ? *ledger : unused;
    double mark = s.bits();
    auto account = [&](double& into) {
      const double now = s.bits();
      into += now - mark;
      mark = now;
    };
    const auto x = xIn.to(torch::kLong).cpu().contiguous();
    const int64_t n = x.numel();
    std::vector<double> map(book.mapPixels ? size_t(n) : 0);
    pixelBits = book.mapPixels ? map.data() : nullptr;
    struct Reset {
      double*& p;
      ~Reset() { p = nullptr; }
    } reset{pixelBits};
    // Costs of elements that are already in image layout (the noise): charged where they are.
    auto chargeHere = [&](int64_t e, double before) {
      if (pixelBits) pixelBits[e] += s.bits() - before;
    };
    const auto identity = torch::arange(n, torch::kLong).view(x.sizes());
    Tensor u, noise;
    if (auto dq = model->dequantizer()) {
      // Bits back: eps is popped with the prior of the dequantizer's noise, taking bits off the stack.
      const auto context = dq->context(x.to(torch::kFloat));
      auto eps = torch::empty_like(x);
      for (int64_t e = 0; e < n; ++e) {
        const double before = s.bits();
        eps.data_ptr<int64_t>()[e] = popGaussian(s, {0.0, 1.0, {}, {}});
        chargeHere(e, before);
      }
      account(book.noiseBits);
      auto origin = identity.clone();
      Tensor* o = pixelBits ? &origin : nullptr;
      u = codeMap(s, codeGroup(s, eps, dq->flow(), context, true, o), sigmoidMap(), true, o);
      account(book.dequantizerBits);
      noise = eps.to(torch::kDouble) * kGridStep;
    } else {
      u = torch::empty_like(x);
      for (int64_t e = 0; e < n; ++e) {
        const double before = s.bits();
        const int64_t high = s.popBits(16), low = s.popBits(16);  // uniform u: 32 bits back
        u.data_ptr<int64_t>()[e] = high << 16 | low;
        chargeHere(e, before);
      }
      account(book.noiseBits);
      noise = u.to(torch::kDouble) * kGridStep;
    }
    auto origin = identity.clone();
    const auto z = codeMainFlow(s, x * (int64_t(1) << kGridBits) + u, true, pixelBits ? &origin : nullptr).contiguous();
    account(book.flowBits);
    const int64_t* zOrigin = origin.data_ptr<int64_t>();
    for (int64_t e = 0; e < z.numel(); ++e) {
      const double before = s.bits();
      pushGaussian(s, z.data_ptr<int64_t>()[e], {0.0, 1.0, {}, {}});
      if (pixelBits) pixelBits[zOrigin[e]] += s.bits() - before;
    }
    account(book.priorBits);
    if (book.mapPixels) book.pixelBits = torch::from_blob(map.data(), x.sizes(), torch::kDouble).clone();
    return {noise, z.to(torch::kDouble) * kGridStep};
  }

  Tensor decode(AnsStack& s, int64_t count) {
    torch::NoGradGuard noGrad;
    auto z = torch::empty(latentShape(count), torch::kLong);
    for (int64_t e = z.numel() - 1; e >= 0; --e) z.data_ptr<int64_t>()[e] = popGaussian(s, {0.0, 1.0, {}, {}});
    const auto y = codeMainFlow(s, z, false).contiguous();
    const auto x = torch::div(y, int64_t(1) << kGridBits, "floor");
    const auto u = (y - x * (int64_t(1) << kGridBits)).contiguous();
    const int64_t n = x.numel();
    if (auto dq = model->dequantizer()) {
      const auto context = dq->context(x.to(torch::kFloat));
      const auto eps = codeGroup(s, codeMap(s, u, sigmoidMap(), false), dq->flow(), context, false).contiguous();
      for (int64_t e = n - 1; e >= 0; --e) pushGaussian(s, eps.data_ptr<int64_t>()[e], {0.0, 1.0, {}, {}});
    } else {
      for (int64_t e = n - 1; e >= 0; --e) {
        const int64_t v = u.data_ptr<int64_t>()[e];
        s.pushBits(uint32_t(v & 0xffff), 16);
        s.pushBits(uint32_t(v >> 16), 16);
      }
    }
    return x;
  }
};

ModelCoder::ModelCoder(FlowPlusPlus model, CoderOptions options) : d_(std::make_shared<Impl>(std::move(model), options)) {}

// The conditioners run NCHW in the codec: files record the kernel table and instruction sets their
// floats depend on, not the layout, and files written before channels-last must still decode.
EncodedBatch ModelCoder::encode(AnsStack& stack, const torch::Tensor& x, CodingLedger* ledger) {
  ChannelsLastScope nchw(false);
  return d_->encode(stack, x, ledger);
}

torch::Tensor ModelCoder::decode(AnsStack& stack, int64_t count) {
  ChannelsLastScope nchw(false);
  return d_->decode(stack, count);
}

}  // namespace flowpp::codec
