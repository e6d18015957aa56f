// Every flow layer on its own, both directions: inverse(forward(x)) == x, and the per-element
// log-det sums to log|det| of the brute-force Jacobian on a tiny input (autograd of the plain ATen
// ops, not of the fused kernels), in float64 to 1e-9. The fused functions against their written-out
// forms with every kernel table this CPU runs: values and gradients in float64, finite differences,
// extreme inputs, and the refusal of a second derivative.
#include <QtTest>

#include <limits>

#include "../TestMain.h"

#include "Helpers.h"
#include "flows/ActNorm.h"
#include "flows/AffineCoupling.h"
#include "flows/CouplingGroup.h"
#include "flows/InvConv1x1.h"
#include "flows/MixLogisticCoupling.h"
#include "flows/Partition.h"
#include "flows/PixelPreprocess.h"
#include "model/VariationalDequantizer.h"
#include "nn/DataInit.h"
#include "nn/ConcatEluConv.h"
#include "nn/ConditioningNet.h"
#include "nn/ConvLayout.h"
#include "nn/ConvPrecision.h"
#include "nn/FusedAttention.h"
#include "nn/GatedResidual.h"
#include "nn/ReferenceOps.h"
#include "math/MixLogisticFused.h"

using namespace flowpp;
using namespace flowpp::test;

namespace {

// Checks a layer that maps [1, C, H, W] -> same shape: round trip in float32 on a batch, log-det in
// float64 against autograd, and that the inverse's log-det is the negative of the forward's.
void checkLayer(const std::function<FlowOutput(const torch::Tensor&)>& fwd,
                const std::function<FlowOutput(const torch::Tensor&)>& inv, const torch::Tensor& x32,
                const std::function<void(torch::Dtype)>& toDtype) {
  toDtype(torch::kFloat);
  {
    torch::NoGradGuard g;
    auto f = fwd(x32);
    auto back = inv(f.out);
    QVERIFY2(maxAbsDiff(back.out, x32) <= 1e-4, qPrintable(QString("round trip error %1").arg(maxAbsDiff(back.out, x32))));
    QCOMPARE(f.logdet.sizes(), f.out.sizes());
    auto sumF = sumPerSample(f.logdet), sumI = sumPerSample(back.logdet);
    QVERIFY2(maxAbsDiff(sumF, -sumI) <= 1e-3 * (1 + sumF.abs().max().item<double>()),
             "inverse log-det is not minus the forward log-det");
  }
  toDtype(torch::kDouble);
  auto x = x32.narrow(0, 0, 1).to(torch::kDouble);
  double brute = bruteForceLogDet([&](const torch::Tensor& t) { return fwd(t).out; }, x);
  double ours = fwd(x).logdet.sum().item<double>();
  QVERIFY2(std::abs(brute - ours) <= 1e-9 * (1 + std::abs(brute)),
           qPrintable(QString("log-det %1 vs brute force %2 (difference %3)").arg(ours, 0, 'g', 17).arg(brute, 0, 'g', 17).arg(ours - brute)));
  toDtype(torch::kFloat);
}

// A fused function against its written-out form, in float64: the values, then the gradient of every
// input through sum(out * weights).
void checkSameValuesAndGradients(const torch::Tensor& plain, const torch::Tensor& fused, const std::vector<torch::Tensor>& inputs,
                                 const torch::Tensor& weights) {
  QCOMPARE(fused.sizes(), plain.sizes());
  QVERIFY2(torch::allclose(fused, plain, 1e-10, 1e-12), qPrintable(QString("values %1").arg(maxAbsDiff(fused, plain))));
  auto gp = torch::autograd::grad({(plain * weights).sum()}, inputs, {}, /*retain_graph=*/true);  // reused per kernel table
  auto gf = torch::autograd::grad({(fused * weights).sum()}, inputs);
  for (size_t i = 0; i < inputs.size(); ++i)
    QVERIFY2(torch::allclose(gf[i], gp[i], 1e-9, 1e-11), qPrintable(QString("gradient %1: %2").arg(i).arg(maxAbsDiff(gf[i], gp[i]))));
}

template <typename M>
std::function<void(torch::Dtype)> caster(M& m) {
  return [&m](torch::Dtype d) { m->to(d); };
}

}  // namespace

class TestLayers : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void pixelPreprocess_data() {
    QTest::addColumn<int>("bits");
    QTest::newRow("8-bit") << 8;
    QTest::newRow("5-bit") << 5;
    QTest::newRow("3-bit") << 3;
  }
  void pixelPreprocess() {
    RandomScope rng(100);
    QFETCH(int, bits);
    PixelPreprocess pre(bits);
    auto y = rand({4, 2, 4, 4}) * double(1 << bits);
    checkLayer([&](auto& t) { return pre->forward(t); }, [&](auto& t) { return pre->inverse(t); }, y, caster(pre));
  }

  void actNormWithDataInit() {
    RandomScope rng(101);
    ActNorm norm(2, 4, 4);
    auto x = randn({16, 2, 4, 4}) * 3 + 1;
    {
      torch::NoGradGuard g;
      DataInitGuard init;
      auto y = norm->forward(x).out;
      QVERIFY(y.mean(0).abs().max().item<double>() < 1e-4);              // zero mean per element
      QVERIFY((y.var(0, false) - 1).abs().max().item<double>() < 1e-3);  // unit variance per element
    }
    checkLayer([&](auto& t) { return norm->forward(t); }, [&](auto& t) { return norm->inverse(t); }, x, caster(norm));
  }

  void invConv1x1() {
    RandomScope rng(102);
    InvConv1x1 conv(4);
    perturb(*conv, 0.5);
    auto x = randn({4, 4, 3, 3});
    checkLayer([&](auto& t) { return conv->forward(t); }, [&](auto& t) { return conv->inverse(t); }, x, caster(conv));
  }

  void splitsAndSqueezeArePermutations_data() {
    QTest::addColumn<int>("kind");
    QTest::newRow("stripe") << 0;
    QTest::newRow("checkerboard") << 1;
    QTest::newRow("channel") << 2;
    QTest::newRow("squeeze") << 3;
  }
  void splitsAndSqueezeArePermutations() {
    QFETCH(int, kind);
    auto x = torch::arange(2 * 4 * 4 * 4, torch::kFloat).view({2, 4, 4, 4});
    torch::Tensor back, a, b;
    if (kind == 3) {
      auto y = spaceToDepth(x);
      QCOMPARE(y.sizes(), (torch::IntArrayRef{2, 16, 2, 2}));
      back = depthToSpace(y);
    } else {
      auto type = static_cast<SplitType>(kind);
      std::tie(a, b) = splitHalves(x, type);
      auto [c, h, w] = halfShape(type, 4, 4, 4);
      QCOMPARE(a.sizes(), (torch::IntArrayRef{2, c, h, w}));
      back = mergeHalves(a, b, type);
      // The halves partition the elements: every value appears exactly once.
      auto all = std::get<0>(torch::cat({a.flatten(), b.flatten()}).sort());
      QVERIFY(torch::equal(all, x.flatten()));
    }
    QVERIFY(torch::equal(back, x));
  }

  void checkerboardIsATrueCheckerboard() {
    auto x = torch::zeros({1, 1, 4, 4});
    for (int i = 0; i < 4; ++i)
      for (int j = 0; j < 4; ++j) x[0][0][i][j] = (i + j) % 2;
    auto [a, b] = splitHalves(x, SplitType::Checkerboard);
    QVERIFY((a == 0).all().item<bool>());
    QVERIFY((b == 1).all().item<bool>());
  }

  void couplings_data() {
    QTest::addColumn<int>("components");
    QTest::addColumn<int>("attention");
    QTest::addColumn<int>("context");
    QTest::newRow("mixlogistic K=4, self-attention") << 4 << int(AttentionMode::Self) << 0;
    QTest::newRow("mixlogistic K=1, no attention") << 1 << int(AttentionMode::None) << 0;
    QTest::newRow("mixlogistic K=8, pointwise ablation, context") << 8 << int(AttentionMode::Pointwise) << 3;
    QTest::newRow("affine, self-attention") << 0 << int(AttentionMode::Self) << 0;
    QTest::newRow("affine, context") << 0 << int(AttentionMode::None) << 3;
  }
  void couplings() {
    RandomScope rng(103);
    QFETCH(int, components);
    QFETCH(int, attention);
    QFETCH(int, context);
    auto opts = CouplingOptions(2, 4, 4).components(components).net(ConditionerOptions{8, 2, 2, context, AttentionMode(attention), 0.0, false});
    auto coupling = makeCoupling(opts);
    auto cond = randn({4, 2, 4, 4});
    auto ctx = context ? randn({4, context, 4, 4}) : torch::Tensor();
    {
      torch::NoGradGuard g;
      DataInitGuard init;
      coupling->forward(randn({4, 2, 4, 4}), cond, ctx);
    }
    perturb(*coupling, 0.1);
    auto x = randn({4, 2, 4, 4}) * 2;
    auto castAll = [&](torch::Dtype d) {
      coupling->to(d);
      cond = cond.to(d);
      if (ctx.defined()) ctx = ctx.to(d);
    };
    InverseContext inv;
    checkLayer([&](auto& t) { return coupling->forward(t, cond.narrow(0, 0, t.size(0)), ctx.defined() ? ctx.narrow(0, 0, t.size(0)) : ctx); },
               [&](auto& t) { return coupling->inverse(t, cond.narrow(0, 0, t.size(0)), ctx.defined() ? ctx.narrow(0, 0, t.size(0)) : ctx, inv); },
               x, castAll);
    if (components > 0) QVERIFY(inv.calls > 0 && inv.allConverged);
  }

  void couplingGroup_data() {
    QTest::addColumn<int>("split");
    QTest::addColumn<int>("count");
    QTest::addColumn<bool>("pointwise");
    QTest::newRow("stripe x3") << int(SplitType::Stripe) << 3 << true;
    QTest::newRow("checkerboard x2") << int(SplitType::Checkerboard) << 2 << true;
    QTest::newRow("channel x3 without 1x1 convs") << int(SplitType::Channel) << 3 << false;
  }
  void couplingGroup() {
    RandomScope rng(104);
    QFETCH(int, split);
    QFETCH(int, count);
    QFETCH(bool, pointwise);
    auto coupling = CouplingOptions(2, 4, 4).components(3).net(ConditionerOptions{8, 1, 2, 0, AttentionMode::Self, 0.0, false});
    CouplingGroup group(CouplingGroupOptions(SplitType(split), count, coupling).pointwise(pointwise));
    auto x = randn({8, 2, 4, 4});
    {
      torch::NoGradGuard g;
      DataInitGuard init;
      group->forward(x);
    }
    perturb(*group, 0.05);
    InverseContext inv;
    checkLayer([&](auto& t) { return group->forward(t); }, [&](auto& t) { return group->inverse(t, inv); }, x,
               caster(group));
  }

  // The fused attention (CPU kernels, and the tensor-op tiles used on GPUs) against the plain
  // softmax(q k^T) v: values and the gradients of q, k and v, in float64.
  // Rows: sizes that leave tails in every vector width (8 and 16 floats, 4 and 8 doubles), the
  // shapes the models use, and scores of up to +-100 (weights from 1 to e^-200 in one row).
  void fusedAttentionMatchesPlainInFloat64_data() {
    QTest::addColumn<int>("n");
    QTest::addColumn<int>("d");
    QTest::addColumn<double>("scoreSize");  // the largest |score| after scaling (0: as drawn)
    QTest::newRow("one position") << 1 << 8 << 0.0;
    QTest::newRow("n = 7, d = 3 (tails of every vector)") << 7 << 3 << 0.0;
    QTest::newRow("n = 37, d = 5") << 37 << 5 << 0.0;
    QTest::newRow("n = 98, d = 8 (fmnist stage 3)") << 98 << 8 << 0.0;
    QTest::newRow("n = 300, d = 24") << 300 << 24 << 0.0;
    QTest::newRow("n = 50, d = 8, scores of +-100") << 50 << 8 << 100.0;
  }
  void fusedAttentionMatchesPlainInFloat64() {
    RandomScope rng(107);
    QFETCH(int, n);
    QFETCH(int, d);
    QFETCH(double, scoreSize);
    auto q = randn({3, n, d}, torch::kDouble) * 2, k = randn({3, n, d}, torch::kDouble) * 2;
    const double scale = 1.0 / std::sqrt(double(d));
    if (scoreSize > 0) {  // rescale so that the largest |q.k| * scale is exactly scoreSize
      const double largest = (torch::bmm(q, k.transpose(1, 2)) * scale).abs().max().item<double>();
      q = q * std::sqrt(scoreSize / largest), k = k * std::sqrt(scoreSize / largest);
    }
    q.requires_grad_(), k.requires_grad_();
    auto v = randn({3, n, d}, torch::kDouble).requires_grad_();
    auto w = randn({3, n, d}, torch::kDouble);
    auto run = [&](auto&& f) {
      auto out = f(q, k, v, scale);
      auto g = torch::autograd::grad({(out * w).sum()}, {q, k, v});
      return std::make_pair(out.detach(), g);
    };
    auto [plain, gp] = run(plainAttention);
    auto compare = [&](const torch::Tensor& out, const std::vector<torch::Tensor>& g, const QString& what) {
      QVERIFY2(torch::allclose(out, plain, 1e-10, 1e-12), qPrintable(what + QString(" values %1").arg(maxAbsDiff(out, plain))));
      for (int i = 0; i < 3; ++i)
        QVERIFY2(torch::allclose(g[i], gp[i], 1e-9, 1e-11 * std::max(1.0, scoreSize)),
                 qPrintable(what + QString(" gradient %1: %2").arg(i).arg(maxAbsDiff(g[i], gp[i]))));
    };
    // The tensor-op tiles (the GPU path) with tiles small enough that several key tiles are joined
    // by the online softmax's rescaling, and several query tiles.
    auto [outT, gT] = run([](const torch::Tensor& a, const torch::Tensor& b, const torch::Tensor& c, double s) {
      return fusedAttentionTensorOps(a, b, c, s, 16, 24);
    });
    compare(outT, gT, "tensor ops, 16 x 24 tiles:");
    forEachKernelTable([&](const char* isa) {
      auto [out, g] = run(fusedAttention);
      compare(out, g, QString(isa) + " kernels:");
      // In float32 (the kernel's own exp and its vector loops): within float rounding of float64.
      auto q32 = q.detach().to(torch::kFloat).requires_grad_(), k32 = k.detach().to(torch::kFloat).requires_grad_();
      auto v32 = v.detach().to(torch::kFloat).requires_grad_();
      auto f32 = fusedAttention(q32, k32, v32, scale);
      QVERIFY2(maxAbsDiff(f32, plain) < 2e-5, qPrintable(QString("%1 float32 values %2").arg(isa).arg(maxAbsDiff(f32, plain))));
      auto g32 = torch::autograd::grad({(f32 * w.to(torch::kFloat)).sum()}, {q32, k32, v32});
      for (int i = 0; i < 3; ++i) {
        const double err = maxAbsDiff(g32[i].to(torch::kDouble), gp[i]), size = gp[i].abs().max().item<double>();
        QVERIFY2(err < 1e-4 * std::max(1.0, size), qPrintable(QString("%1 float32 gradient %2: %3").arg(isa).arg(i).arg(err)));
      }
    });
  }

  // The attention weights' exp in every kernel table: within float32 rounding of exp on the range
  // it serves, and clamped at both ends so that no input makes it wrap around (it builds 2^n from
  // n's bits): above 88.03 it gives 2^127, below -87 exp(-87), and NaN stays NaN.
  void attentionExpIsAccurateAndClamped() {
    forEachKernelTable([&](const char* isa) {
      std::vector<float> x;
      for (int i = 0; i <= 240; ++i) x.push_back(-120.0f + float(i));  // -120 .. 120: vector body and tail
      x.push_back(std::numeric_limits<float>::quiet_NaN());
      x.push_back(-std::numeric_limits<float>::infinity());
      auto e = x;
      kernels::cpuKernels().expShiftSumFloat(e.data(), int64_t(e.size()), 0.0f);
      for (size_t i = 0; i < x.size(); ++i) {
        const QString at = QString("%1 kernels: exp(%2) = %3").arg(isa).arg(x[i]).arg(e[i]);
        if (std::isnan(x[i])) {
          QVERIFY2(std::isnan(e[i]), qPrintable(at));
        } else if (x[i] > 88.0f) {  // the portable build's exp overflows to inf, the vector builds clamp
          QVERIFY2(std::isinf(e[i]) || (e[i] >= 1.7e38f && e[i] <= std::numeric_limits<float>::max()), qPrintable(at));
        } else if (x[i] < -87.0f) {
          QVERIFY2(e[i] >= 0.0f && e[i] <= 1.7e-38f, qPrintable(at));
        } else {
          const double exact = std::exp(double(x[i]));
          QVERIFY2(std::abs(e[i] - exact) <= 3e-7 * exact, qPrintable(at));
        }
      }
    });
  }

  // Every fused function's hand-written backward against central finite differences in float64,
  // with every kernel table.
  void fusedFunctionsMatchFiniteDifferences_data() {
    QTest::addColumn<QString>("function");
    for (const char* name : {"attention", "attention to channels", "attention tensor ops", "concat_elu",
                             "concat_elu conv 3x3", "gated residual", "mixture coupling y", "mixture coupling log-det"})
      QTest::newRow(name) << QString(name);
  }
  void fusedFunctionsMatchFiniteDifferences() {
    RandomScope rng(117);
    QFETCH(QString, function);
    using Inputs = std::vector<torch::Tensor>;
    std::function<torch::Tensor(const Inputs&)> f;
    Inputs inputs;
    const int64_t K = 4;
    if (function.startsWith("attention")) {
      inputs = {randn({2, 12, 5}, torch::kDouble), randn({2, 12, 5}, torch::kDouble), randn({2, 12, 5}, torch::kDouble)};
      if (function == "attention") f = [](const Inputs& a) { return fusedAttention(a[0], a[1], a[2], 0.7); };
      if (function == "attention to channels")
        f = [](const Inputs& a) { return fusedAttentionToChannels(a[0], a[1], a[2], 0.7, 1, 3, 4); };
      if (function == "attention tensor ops") f = [](const Inputs& a) { return fusedAttentionTensorOps(a[0], a[1], a[2], 0.7, 4, 5); };
    } else if (function == "concat_elu") {
      inputs = {randn({2, 3, 4, 5}, torch::kDouble) * 2};
      f = [](const Inputs& a) { return concatElu(a[0]); };
    } else if (function == "concat_elu conv 3x3") {
      inputs = {randn({2, 3, 4, 5}, torch::kDouble), randn({4, 6, 3, 3}, torch::kDouble), randn({4}, torch::kDouble)};
      f = [](const Inputs& a) { return concatEluConv2d(a[0], a[1], a[2]); };
    } else if (function == "gated residual") {
      inputs = {randn({2, 3, 4, 5}, torch::kDouble), randn({2, 6, 4, 5}, torch::kDouble) * 2};
      f = [](const Inputs& a) { return gatedResidual(a[0], a[1]); };
    } else {
      inputs = {randn({2, 3, 4, 5}, torch::kDouble) * 2, randn({2, 3 * (2 + 3 * K), 4, 5}, torch::kDouble)};
      const bool y = function.endsWith(" y");
      f = [y](const Inputs& a) {
        auto t = mixLogisticCouplingFused(a[0], a[1], K);
        return y ? t.y : t.logdet;
      };
    }
    forEachKernelTable([&](const char* isa) {
      const double error = finiteDifferenceError(f, inputs);
      QVERIFY2(error < 1e-7, qPrintable(QString("%1 kernels: %2's gradient differs from finite differences by %3")
                                            .arg(isa, function).arg(error)));
    });
  }

  // A second derivative through a hand-written backward would be silently wrong: each fused
  // function refuses it with a message, and under a ReferenceOpsGuard the plain ops give it.
  void fusedFunctionsRefuseDoubleBackward() {
    RandomScope rng(119);
    auto x = randn({1, 2, 3, 4}, torch::kDouble).requires_grad_();
    auto q = randn({2, 6, 4}, torch::kDouble).requires_grad_();
    auto weight = randn({2, 4, 3, 3}, torch::kDouble), bias = randn({2}, torch::kDouble);
    const std::vector<std::pair<QString, std::function<torch::Tensor()>>> cases = {
        {"attention", [&] { return fusedAttention(q, q * 2, q * 3, 0.5); }},
        {"concat_elu", [&] { return concatElu(x); }},
        {"concat_elu convolution", [&] { return concatEluConv2d(x, weight, bias); }},
        {"gated residual", [&] { return gatedResidual(x, torch::cat({x, x * 2}, 1)); }},
        {"mixture coupling", [&] { return mixLogisticCoupling(x, torch::cat({x, x, x, x, x}, 1), 1).y; }},
    };
    for (const auto& [name, f] : cases) {
      const auto input = name == "attention" ? q : x;
      auto gradient = [&] { return torch::autograd::grad({f().pow(3).sum()}, {input}, {}, true, /*create_graph=*/true)[0]; };
      try {
        gradient();
        QFAIL(qPrintable(name + ": a second derivative was allowed"));
      } catch (const c10::Error& e) {
        QVERIFY2(QString(e.what()).contains("second derivative"), qPrintable(name + ": " + e.what()));
      }
      ReferenceOpsGuard plain;
      auto g = gradient();
      QVERIFY2(g.requires_grad(), qPrintable(name + ": the plain ops give no differentiable gradient"));
      auto second = torch::autograd::grad({g.sum()}, {input})[0];
      QVERIFY(torch::isfinite(second).all().item<bool>());
    }
  }

  // Only one output of the mixture coupling used: the other's gradient never arrives, and the
  // result is the plain ops' gradient of that output alone.
  void mixtureCouplingWithOneOutputUsed() {
    RandomScope rng(121);
    const int64_t K = 3;
    auto x = randn({2, 2, 3, 5}, torch::kDouble).requires_grad_();
    auto raw = randn({2, 2 * (2 + 3 * K), 3, 5}, torch::kDouble).requires_grad_();
    for (bool useY : {true, false}) {
      auto pick = [&](const CouplingTransform& t) { return (useY ? t.y : t.logdet).pow(2).sum(); };
      auto fused = torch::autograd::grad({pick(mixLogisticCouplingFused(x, raw, K))}, {x, raw});
      auto plain = torch::autograd::grad({pick(mixLogisticCouplingPlain(x, raw, K))}, {x, raw});
      for (int i = 0; i < 2; ++i) QVERIFY(torch::allclose(fused[i], plain[i], 1e-9, 1e-11));
    }
  }

  // The heads-as-channels output of the fused attention (what GatedAttention uses) is the plain
  // attention rearranged, and so are its gradients, in either layout (and the layout is kept).
  void fusedAttentionToChannelsMatchesPlainInFloat64() {
    RandomScope rng(109);
    const int64_t b = 2, heads = 3, h = 5, w = 4, d = 6, n = h * w;
    auto q = randn({b * heads, n, d}, torch::kDouble).requires_grad_();
    auto k = randn({b * heads, n, d}, torch::kDouble).requires_grad_();
    auto v = randn({b * heads, n, d}, torch::kDouble).requires_grad_();
    auto w4 = randn({b, heads * d, h, w}, torch::kDouble);
    auto plain = plainAttention(q, k, v, 0.4).view({b, heads, n, d}).permute({0, 1, 3, 2}).reshape({b, heads * d, h, w});
    forEachKernelTable([&](const char*) {
      checkSameValuesAndGradients(plain, fusedAttentionToChannels(q, k, v, 0.4, b, h, w), {q, k, v}, w4);
      const auto last = torch::MemoryFormat::ChannelsLast;
      auto out = fusedAttentionToChannels(q, k, v, 0.4, b, h, w, last);
      QVERIFY(out.is_contiguous(last) && !out.is_contiguous());
      checkSameValuesAndGradients(plain, out, {q, k, v}, w4);
    });
  }

  // bf16 conditioner convolutions (what bench measures): within bf16's rounding of a float64
  // convolution (inputs, weights and bias each rounded to 8 significant bits, sums in fp32), exactly
  // torch::conv2d without a scope or with autograd on, and refused nowhere: a CPU without
  // AVX512_BF16 simply stays fp32.
  void bf16ConditionerConvIsWithinItsRounding() {
    RandomScope rng(431);
    auto x = torch::randn({2, 8, 6, 5}), w = torch::randn({4, 8, 3, 3}) * 0.2, b = torch::randn({4});
    const auto exact = torch::conv2d(x.to(torch::kDouble), w.to(torch::kDouble), b.to(torch::kDouble), 1, 1);
    torch::NoGradGuard noGrad;
    QVERIFY(torch::equal(conditionerConv2d(x, w, b, 1), torch::conv2d(x, w, b, 1, 1)));
    Bf16ConvScope scope(true);
    QCOMPARE(bf16ConvsActive(), bf16ConvsAvailable());
    const auto reduced = conditionerConv2d(x, w, b, 1);
    QCOMPARE(reduced.scalar_type(), torch::kFloat);
    // Each product's two roundings and the bias's: |error| <= 2^-8 * (2 * sum |x||w| + |b|) (+ slack).
    const auto bound = (torch::conv2d(x.abs().to(torch::kDouble), w.abs().to(torch::kDouble), {}, 1, 1) * 2 + b.abs().to(torch::kDouble).view({1, 4, 1, 1})) * std::ldexp(1.0, -8) + 1e-6;
    QVERIFY((reduced.to(torch::kDouble) - exact).abs().le(bound).all().item<bool>());
    if (bf16ConvsAvailable()) QVERIFY(!torch::equal(reduced, torch::conv2d(x, w, b, 1, 1)));  // it did run in bf16
    torch::AutoGradMode grad(true);
    QVERIFY(torch::equal(conditionerConv2d(x, w, b, 1), torch::conv2d(x, w, b, 1, 1)));  // never under autograd
  }

  // The memory-saving fused conditioner pieces against their written-out forms: values and the
  // gradients of every input, in float64 (the 3x3 and 1x1 kernels the conditioner uses).
  void concatEluConvMatchesPlainInFloat64_data() {
    QTest::addColumn<int>("kernel");
    QTest::addColumn<int>("channels");
    QTest::addColumn<bool>("channelsLast");
    QTest::newRow("3x3") << 3 << 3 << false;
    QTest::newRow("1x1") << 1 << 3 << false;
    // The conditioners' own layout (nn/ConvLayout.h): the kernels run per pixel; one channel is
    // both layouts at once, and the backward must take the layout of the two-channel activation.
    QTest::newRow("3x3 channels-last") << 3 << 3 << true;
    QTest::newRow("1x1 channels-last") << 1 << 3 << true;
    QTest::newRow("3x3 one channel, channels-last") << 3 << 1 << true;
  }
  void concatEluConvMatchesPlainInFloat64() {
    RandomScope rng(111);
    QFETCH(int, kernel);
    QFETCH(int, channels);
    QFETCH(bool, channelsLast);
    const auto format = channelsLast ? torch::MemoryFormat::ChannelsLast : torch::MemoryFormat::Contiguous;
    auto x = (randn({2, channels, 5, 6}, torch::kDouble) * 2).contiguous(format).requires_grad_();
    auto weight = randn({4, 2 * channels, kernel, kernel}, torch::kDouble).requires_grad_();
    auto b = randn({4}, torch::kDouble).requires_grad_();
    auto w = randn({2, 4, 5, 6}, torch::kDouble);
    auto plain = torch::conv2d(torch::elu(torch::cat({x, -x}, 1)), weight, b, 1, kernel / 2);
    forEachKernelTable([&](const char*) { checkSameValuesAndGradients(plain, concatEluConv2d(x, weight, b), {x, weight, b}, w); });
  }

  // A whole conditioner (attention, context, one-channel input) in float32 with channels-last
  // activations against the same network in float64 NCHW: values and input gradients within float32
  // rounding, and its output is NCHW again for the coupling. FLOWPP_CHANNELS_LAST=0 is the old path.
  void conditionerChannelsLastMatchesFloat64() {
    RandomScope rng(123);
    ConditionerOptions net;
    net.filters = 16, net.blocks = 2, net.heads = 2, net.contextChannels = 8, net.dropout = 0;
    ConditioningNet cond(ConditioningNetOptions(1, 5, 6, 4).net(net));
    perturb(*cond, 0.1);
    auto x = randn({3, 1, 6, 4}), context = randn({3, 8, 6, 4});
    auto w = randn({3, 5, 6, 4});
    cond->to(torch::kDouble);
    auto x64 = x.to(torch::kDouble).requires_grad_();
    auto out64 = cond->forward(x64, context.to(torch::kDouble));
    auto g64 = torch::autograd::grad({(out64 * w.to(torch::kDouble)).sum()}, {x64})[0];
    cond->to(torch::kFloat);
    for (bool last : {true, false}) {
      ChannelsLastScope layout(last);
      QVERIFY(useChannelsLast(x) == last);
      auto x32 = x.clone().requires_grad_();
      auto out = cond->forward(x32, context);
      QVERIFY(out.is_contiguous());
      auto g = torch::autograd::grad({(out * w).sum()}, {x32})[0];
      const double scale = out64.abs().max().item<double>(), gScale = g64.abs().max().item<double>();
      QVERIFY2(maxAbsDiff(out.to(torch::kDouble), out64) < 1e-5 * scale, last ? "channels-last values" : "NCHW values");
      QVERIFY2(maxAbsDiff(g.to(torch::kDouble), g64) < 1e-5 * gScale, last ? "channels-last gradient" : "NCHW gradient");
    }
    QVERIFY(!useChannelsLast(x.to(torch::kDouble)));  // float64 keeps NCHW (no oneDNN path)
  }

  // concat_elu's own kernel (one exponential per input) against elu(cat(x, -x)): float64 values and
  // gradients, float32 within rounding, exact zeros and a channels-last input included.
  void concatEluMatchesPlain() {
    RandomScope rng(115);
    auto x = randn({2, 3, 5, 7}, torch::kDouble) * 3;
    x.index_put_({0, 0, 0}, 0.0);
    x = x.contiguous(torch::MemoryFormat::ChannelsLast).requires_grad_();
    auto w = randn({2, 6, 5, 7}, torch::kDouble);
    forEachKernelTable([&](const char* isa) {
      checkSameValuesAndGradients(torch::elu(torch::cat({x, -x}, 1)), concatElu(x), {x}, w);
      QVERIFY(concatElu(x).is_contiguous(torch::MemoryFormat::ChannelsLast));  // the layout is kept
      auto x32 = x.detach().to(torch::kFloat).requires_grad_();
      auto e32 = concatElu(x32);
      QVERIFY2(maxAbsDiff(e32.to(torch::kDouble), torch::elu(torch::cat({x, -x}, 1))) < 1e-5, isa);
      auto g32 = torch::autograd::grad({(e32 * w.to(torch::kFloat)).sum()}, {x32})[0];
      auto g64 = torch::autograd::grad({(torch::elu(torch::cat({x, -x}, 1)) * w).sum()}, {x})[0];
      QVERIFY2(maxAbsDiff(g32.to(torch::kDouble), g64) < 1e-5, isa);
    });
  }

  void gatedResidualMatchesPlainInFloat64() {
    RandomScope rng(113);
    auto x = randn({2, 3, 4, 5}, torch::kDouble).requires_grad_();
    auto ab = (randn({2, 6, 4, 5}, torch::kDouble) * 3).requires_grad_();
    auto w = randn({2, 3, 4, 5}, torch::kDouble);
    auto halves = ab.chunk(2, 1);
    checkSameValuesAndGradients(x + halves[0] * torch::sigmoid(halves[1]), gatedResidual(x, ab), {x, ab}, w);
  }

  // The float32 channels-last kernel in every kernel table against the formula in float64: values
  // and both gradients within float32 rounding, 19 channels (vector body and scalar tail) and 32,
  // gates of +-100 (sigmoid 1 and 0), a NaN that stays in its own element, and the layout kept.
  void gatedResidualKernelMatchesFloat64() {
    RandomScope rng(118);
    for (int64_t c : {19, 32}) {
      const auto last = torch::MemoryFormat::ChannelsLast;
      auto x = randn({2, c, 3, 5}).contiguous(last).requires_grad_();
      auto ab64 = randn({2, 2 * c, 3, 5}, torch::kDouble) * 3;
      ab64.index_put_({0, c, 0, 0}, 100.0), ab64.index_put_({0, c + 1, 0, 0}, -100.0);
      ab64.index_put_({1, 2 * c - 1, 2, 4}, std::numeric_limits<double>::quiet_NaN());
      auto ab = ab64.to(torch::kFloat).contiguous(last).requires_grad_();
      auto w64 = randn({2, c, 3, 5}, torch::kDouble);
      // The reference: the formula in float64 on the same (float-rounded) inputs, and its gradients.
      auto xr = x.detach().to(torch::kDouble).requires_grad_(), abr = ab.detach().to(torch::kDouble).requires_grad_();
      auto halves = abr.chunk(2, 1);
      auto expected = xr + halves[0] * torch::sigmoid(halves[1]);
      auto expectedGrads = torch::autograd::grad({(expected * w64).nansum()}, {xr, abr});
      const auto nan = expected.isnan();
      QCOMPARE(nan.sum().item<int64_t>(), int64_t(1));
      forEachKernelTable([&](const char* isa) {
        const auto at = QString("%1 kernels, %2 channels").arg(isa).arg(c);
        auto out = gatedResidual(x, ab);
        QVERIFY2(out.is_contiguous(last), qPrintable(at));
        QVERIFY2(torch::equal(out.isnan(), nan), qPrintable(at + ": NaN where the formula has it"));
        const auto o = out.to(torch::kDouble).masked_fill(nan, 0), e = expected.detach().masked_fill(nan, 0);
        QVERIFY2(maxAbsDiff(o, e) <= 1e-6 * (1 + e.abs().max().item<double>()), qPrintable(at + ": values"));
        QCOMPARE(out[0][0][0][0].item<float>(), x[0][0][0][0].item<float>() + ab[0][0][0][0].item<float>());  // sigmoid(100) = 1
        QCOMPARE(out[0][1][0][0].item<float>(), x[0][1][0][0].item<float>());  // sigmoid(-100) = 0 (3.7e-44)
        auto grads = torch::autograd::grad({(out * w64.to(torch::kFloat)).nansum()}, {x, ab});
        for (int i = 0; i < 2; ++i) {
          const auto g = grads[i].to(torch::kDouble), ge = expectedGrads[i], finite = ge.isfinite() & g.isfinite();
          QVERIFY2(torch::equal(ge.isfinite(), g.isfinite()), qPrintable(at + ": NaN gradients where the formula has them"));
          const auto gf = g.masked_fill(~finite, 0), gef = ge.masked_fill(~finite, 0);
          QVERIFY2(maxAbsDiff(gf, gef) <= 1e-5 * (1 + gef.abs().max().item<double>()),
                   qPrintable(at + QString(": gradient %1").arg(i)));
        }
      });
    }
  }

  void variationalDequantizerLogQ() {
    RandomScope rng(105);
    // log q(u|x) = log N(eps) - log|det du/deps|: check against the brute-force Jacobian of eps -> u.
    ModelConfig config;
    config.channels = 1, config.height = 4, config.width = 4;
    config.dequantizer.components = 3, config.dequantizer.couplings = 2, config.dequantizer.contextBlocks = 1;
    config.dequantizer.net = ConditionerOptions{8, 1, 2, 4, AttentionMode::Self, 0.0, false};
    VariationalDequantizer dq(config);
    auto x = randint(0, 256, {4, 1, 4, 4});
    {
      torch::NoGradGuard g;
      DataInitGuard init;
      dq->forward(x);
    }
    perturb(*dq, 0.05);
    dq->to(torch::kDouble);
    auto xd = x.narrow(0, 0, 1).to(torch::kDouble);
    auto eps = randn({1, 1, 4, 4}, torch::kDouble);
    auto out = dq->forward(xd, eps);
    QVERIFY((out.u >= 0).all().item<bool>() && (out.u < 1).all().item<bool>());
    double brute = bruteForceLogDet([&](const torch::Tensor& e) { return dq->forward(xd, e).u; }, eps);
    double expected = standardNormalLogProb(eps).sum().item<double>() - brute;
    double ours = out.logq.sum().item<double>();
    QVERIFY2(std::abs(expected - ours) < 1e-3, qPrintable(QString("log q %1 vs %2").arg(ours).arg(expected)));
  }
};

FLOWPP_TEST_GUILESS_MAIN(TestLayers)
#include "test_layers.moc"
