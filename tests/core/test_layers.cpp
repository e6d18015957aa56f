// Every flow layer on its own, both directions: inverse(forward(x)) == x, and the per-element
// log-det sums to log|det| of the brute-force autograd Jacobian on a tiny input.
#include <QtTest>

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
#include "nn/FusedAttention.h"
#include "nn/GatedResidual.h"

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
  QVERIFY2(std::abs(brute - ours) <= 1e-3, qPrintable(QString("log-det %1 vs brute force %2").arg(ours).arg(brute)));
  toDtype(torch::kFloat);
}

// A fused function against its written-out form, in float64: the values, then the gradient of every
// input through sum(out * weights).
void checkSameValuesAndGradients(const torch::Tensor& plain, const torch::Tensor& fused, const std::vector<torch::Tensor>& inputs,
                                 const torch::Tensor& weights) {
  QCOMPARE(fused.sizes(), plain.sizes());
  QVERIFY2(torch::allclose(fused, plain, 1e-10, 1e-12), qPrintable(QString("values %1").arg(maxAbsDiff(fused, plain))));
  auto gp = torch::autograd::grad({(plain * weights).sum()}, inputs);
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
  void fusedAttentionMatchesPlainInFloat64_data() {
    QTest::addColumn<int>("n");
    QTest::addColumn<int>("d");
    QTest::newRow("one position") << 1 << 8;
    QTest::newRow("n = 7, d = 3 (tails of every vector)") << 7 << 3;
    QTest::newRow("n = 98, d = 8 (fmnist stage 3)") << 98 << 8;
    QTest::newRow("n = 300, d = 24 (several key and query tiles)") << 300 << 24;
  }
  void fusedAttentionMatchesPlainInFloat64() {
    RandomScope rng(107);
    QFETCH(int, n);
    QFETCH(int, d);
    auto q = (randn({3, n, d}, torch::kDouble) * 2).requires_grad_();
    auto k = (randn({3, n, d}, torch::kDouble) * 2).requires_grad_();
    auto v = randn({3, n, d}, torch::kDouble).requires_grad_();
    auto w = randn({3, n, d}, torch::kDouble);
    const double scale = 1.0 / std::sqrt(double(d));
    auto run = [&](auto&& f) {
      auto out = f(q, k, v, scale);
      auto g = torch::autograd::grad({(out * w).sum()}, {q, k, v});
      return std::make_pair(out.detach(), g);
    };
    auto [plain, gp] = run(plainAttention);
    for (auto* f : {&fusedAttention, &fusedAttentionTensorOps}) {
      auto [out, g] = run(*f);
      QVERIFY2(torch::allclose(out, plain, 1e-10, 1e-12), qPrintable(QString("values %1").arg(maxAbsDiff(out, plain))));
      for (int i = 0; i < 3; ++i)
        QVERIFY2(torch::allclose(g[i], gp[i], 1e-9, 1e-11), qPrintable(QString("gradient %1: %2").arg(i).arg(maxAbsDiff(g[i], gp[i]))));
    }
    // In float32 (the CPU kernel's own exp and its 8-wide loops): values and gradients within
    // float rounding of the float64 ones.
    auto q32 = q.detach().to(torch::kFloat).requires_grad_(), k32 = k.detach().to(torch::kFloat).requires_grad_();
    auto v32 = v.detach().to(torch::kFloat).requires_grad_();
    auto f32 = fusedAttention(q32, k32, v32, scale);
    QVERIFY2(maxAbsDiff(f32, plain) < 2e-5, qPrintable(QString("float32 values %1").arg(maxAbsDiff(f32, plain))));
    auto g32 = torch::autograd::grad({(f32 * w.to(torch::kFloat)).sum()}, {q32, k32, v32});
    for (int i = 0; i < 3; ++i) {
      const double err = maxAbsDiff(g32[i].to(torch::kDouble), gp[i]), size = gp[i].abs().max().item<double>();
      QVERIFY2(err < 1e-4 * std::max(1.0, size), qPrintable(QString("float32 gradient %1: %2").arg(i).arg(err)));
    }
  }

  // The heads-as-channels output of the fused attention (what GatedAttention uses) is the plain
  // attention rearranged, and so are its gradients.
  void fusedAttentionToChannelsMatchesPlainInFloat64() {
    RandomScope rng(109);
    const int64_t b = 2, heads = 3, h = 5, w = 4, d = 6, n = h * w;
    auto q = randn({b * heads, n, d}, torch::kDouble).requires_grad_();
    auto k = randn({b * heads, n, d}, torch::kDouble).requires_grad_();
    auto v = randn({b * heads, n, d}, torch::kDouble).requires_grad_();
    auto w4 = randn({b, heads * d, h, w}, torch::kDouble);
    auto plain = plainAttention(q, k, v, 0.4).view({b, heads, n, d}).permute({0, 1, 3, 2}).reshape({b, heads * d, h, w});
    checkSameValuesAndGradients(plain, fusedAttentionToChannels(q, k, v, 0.4, b, h, w), {q, k, v}, w4);
  }

  // The memory-saving fused conditioner pieces against their written-out forms: values and the
  // gradients of every input, in float64 (the 3x3 and 1x1 kernels the conditioner uses).
  void concatEluConvMatchesPlainInFloat64_data() {
    QTest::addColumn<int>("kernel");
    QTest::newRow("3x3") << 3;
    QTest::newRow("1x1") << 1;
  }
  void concatEluConvMatchesPlainInFloat64() {
    RandomScope rng(111);
    QFETCH(int, kernel);
    auto x = (randn({2, 3, 5, 6}, torch::kDouble) * 2).requires_grad_();
    auto weight = randn({4, 6, kernel, kernel}, torch::kDouble).requires_grad_();
    auto b = randn({4}, torch::kDouble).requires_grad_();
    auto w = randn({2, 4, 5, 6}, torch::kDouble);
    auto plain = torch::conv2d(torch::elu(torch::cat({x, -x}, 1)), weight, b, 1, kernel / 2);
    checkSameValuesAndGradients(plain, concatEluConv2d(x, weight, b), {x, weight, b}, w);
  }

  // concat_elu's own kernel (one exponential per input) against elu(cat(x, -x)): float64 values and
  // gradients, float32 within rounding, exact zeros and a channels-last input included.
  void concatEluMatchesPlain() {
    RandomScope rng(115);
    auto x = randn({2, 3, 5, 7}, torch::kDouble) * 3;
    x.index_put_({0, 0, 0}, 0.0);
    x = x.contiguous(torch::MemoryFormat::ChannelsLast).requires_grad_();
    auto w = randn({2, 6, 5, 7}, torch::kDouble);
    checkSameValuesAndGradients(torch::elu(torch::cat({x, -x}, 1)), concatElu(x), {x}, w);
    auto x32 = x.detach().to(torch::kFloat).requires_grad_();
    auto e32 = concatElu(x32);
    QVERIFY(maxAbsDiff(e32.to(torch::kDouble), torch::elu(torch::cat({x, -x}, 1))) < 1e-5);
    auto g32 = torch::autograd::grad({(e32 * w.to(torch::kFloat)).sum()}, {x32})[0];
    auto g64 = torch::autograd::grad({(torch::elu(torch::cat({x, -x}, 1)) * w).sum()}, {x})[0];
    QVERIFY(maxAbsDiff(g32.to(torch::kDouble), g64) < 1e-5);
  }

  void gatedResidualMatchesPlainInFloat64() {
    RandomScope rng(113);
    auto x = randn({2, 3, 4, 5}, torch::kDouble).requires_grad_();
    auto ab = (randn({2, 6, 4, 5}, torch::kDouble) * 3).requires_grad_();
    auto w = randn({2, 3, 4, 5}, torch::kDouble);
    auto halves = ab.chunk(2, 1);
    checkSameValuesAndGradients(x + halves[0] * torch::sigmoid(halves[1]), gatedResidual(x, ab), {x, ab}, w);
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
