// The mixture-of-logistics CDF and its inverse: Newton against bisection, including hard cases.
#include <QtTest>

#include "../TestMain.h"
#include "Helpers.h"

#include "math/MixLogistic.h"
#include "math/MixLogisticFused.h"

using namespace flowpp;

class TestMixLogistic : public QObject {
  Q_OBJECT
 private:
  static MixLogisticParams randomParams(int64_t n, int64_t k, double meanSpread, double minLogScale,
                                        double maxLogScale) {
    MixLogisticParams p;
    p.logits = test::randn({n, k}, torch::kDouble) * 2;
    p.means = test::randn({n, k}, torch::kDouble) * meanSpread;
    p.logScales = test::rand({n, k}).to(torch::kDouble) * (maxLogScale - minLogScale) + minLogScale;
    return p;
  }

 private Q_SLOTS:
  void cdfMatchesDirectFormulaInFloat64() {
    RandomScope rng(300);
    auto p = randomParams(1000, 5, 2.0, -2, 1);
    auto x = test::randn({1000}, torch::kDouble) * 3;
    auto c = mixLogisticLogCdf(x, p);
    auto pi = torch::softmax(p.logits, -1);
    auto z = (x.unsqueeze(-1) - p.means) / torch::exp(p.logScales);
    auto cdf = (pi * torch::sigmoid(z)).sum(-1);
    auto pdf = (pi * torch::sigmoid(z) * torch::sigmoid(-z) / torch::exp(p.logScales)).sum(-1);
    QVERIFY(torch::allclose(torch::exp(c.logF), cdf, 1e-10, 1e-12));
    QVERIFY(torch::allclose(torch::exp(c.log1mF), 1 - cdf, 1e-10, 1e-12));
    QVERIFY(torch::allclose(torch::exp(c.logPdf), pdf, 1e-10, 1e-12));
  }

  void logitStaysAccurateInBothTailsInFloat32() {
    RandomScope rng(301);
    // At x = +-40 a single logistic has logit(F) = +-40 exactly; 1 - F is far below float32 epsilon.
    MixLogisticParams p{torch::zeros({2, 1}), torch::zeros({2, 1}), torch::zeros({2, 1})};
    auto x = torch::tensor({-40.0f, 40.0f});
    auto c = mixLogisticLogCdf(x, p);
    auto logit = c.logF - c.log1mF;
    QVERIFY2(maxAbsDiff(logit, x) < 1e-4, "logit(F) lost precision in a tail");
    QVERIFY(torch::isfinite(c.logPdf).all().item<bool>());
  }

  void newtonEqualsBisection_data() {
    QTest::addColumn<int>("k");
    QTest::addColumn<double>("meanSpread");
    QTest::addColumn<double>("minLogScale");
    QTest::addColumn<double>("maxLogScale");
    QTest::addColumn<double>("targetSpread");
    QTest::newRow("typical K=4") << 4 << 1.0 << -2.0 << 1.0 << 3.0;
    QTest::newRow("K=1") << 1 << 1.0 << -2.0 << 1.0 << 3.0;
    QTest::newRow("K=32") << 32 << 2.0 << -3.0 << 1.0 << 3.0;
    QTest::newRow("far tails") << 8 << 1.0 << -2.0 << 1.0 << 40.0;
    QTest::newRow("very sharp components (log-scale -7)") << 8 << 3.0 << -7.0 << -6.0 << 5.0;
    QTest::newRow("sharp and wide mixed") << 32 << 5.0 << -7.0 << 2.0 << 10.0;
  }

  void newtonEqualsBisection() {
    RandomScope rng(303);
    QFETCH(int, k);
    QFETCH(double, meanSpread);
    QFETCH(double, minLogScale);
    QFETCH(double, maxLogScale);
    QFETCH(double, targetSpread);
    const int64_t n = 4000;
    auto p = randomParams(n, k, meanSpread, minLogScale, maxLogScale);
    auto target = test::randn({n}, torch::kDouble) * targetSpread;
    auto newton = mixLogisticInverse(target, p, {InverseMethod::Newton, 1e-12, 200});
    auto bisect = mixLogisticInverse(target, p, {InverseMethod::Bisection, 1e-12, 200});
    QVERIFY(newton.converged);
    QVERIFY(bisect.converged);
    QVERIFY2(newton.iterations < bisect.iterations,
             qPrintable(QString("Newton %1 vs bisection %2 iterations").arg(newton.iterations).arg(bisect.iterations)));
    auto diff = ((newton.x - bisect.x).abs() / (1 + bisect.x.abs())).max().item<double>();
    QVERIFY2(diff < 1e-9, qPrintable(QString("Newton and bisection differ by %1").arg(diff)));
    // And both really invert the CDF: logit(F(x)) == target.
    auto c = mixLogisticLogCdf(newton.x, p);
    auto back = c.logF - c.log1mF;
    auto err = ((back - target).abs() / (1 + target.abs())).max().item<double>();
    QVERIFY2(err < 1e-8, qPrintable(QString("logit(F(x)) misses the target by %1").arg(err)));
  }

  void inverseOfForwardReproducesXInFloat32() {
    RandomScope rng(304);
    auto p = randomParams(2000, 16, 1.0, -3, 1);
    MixLogisticParams pf{p.logits.to(torch::kFloat), p.means.to(torch::kFloat), p.logScales.to(torch::kFloat)};
    auto x = test::randn({2000}) * 4;
    auto c = mixLogisticLogCdf(x, pf);
    auto r = mixLogisticInverse(c.logF - c.log1mF, pf);
    QCOMPARE(r.x.scalar_type(), torch::kFloat);
    QVERIFY2(maxAbsDiff(r.x, x) < 1e-4, qPrintable(QString::number(maxAbsDiff(r.x, x))));
  }

  // The fused coupling (kernels/) against the plain ATen maths: values and every gradient in
  // float64, on rows whose length is not a multiple of the vector width, with log-scales on both
  // sides of the -7 clamp.
  void fusedCouplingMatchesPlainInFloat64_data() {
    QTest::addColumn<int>("k");
    QTest::newRow("K=1") << 1;
    QTest::newRow("K=4") << 4;
    QTest::newRow("K=32") << 32;
  }
  void fusedCouplingMatchesPlainInFloat64() {
    RandomScope rng(305);
    QFETCH(int, k);
    auto x = (test::randn({2, 3, 5, 7}, torch::kDouble) * 3).requires_grad_();
    auto raw = test::randn({2, 3 * (2 + 3 * k), 5, 7}, torch::kDouble);
    // Spread the log-scales over [-9, 1]: some below the clamp, where their gradient must be zero.
    auto view = raw.view({2, 3, 2 + 3 * k, 5, 7});
    view.narrow(2, 2 + 2 * k, k).mul_(2.5).sub_(4);
    raw.requires_grad_();
    auto wy = test::randn({2, 3, 5, 7}, torch::kDouble), wl = test::randn({2, 3, 5, 7}, torch::kDouble);
    auto run = [&](auto&& f) {
      auto t = f(x, raw, k);
      auto loss = (t.y * wy + t.logdet * wl).sum();
      auto g = torch::autograd::grad({loss}, {x, raw});
      return std::make_tuple(t.y.detach(), t.logdet.detach(), g[0], g[1]);
    };
    auto [yP, lP, gxP, grP] = run(mixLogisticCouplingPlain);
    test::forEachKernelTable([&](const char* isa) {
      auto [yF, lF, gxF, grF] = run(mixLogisticCouplingFused);
      QVERIFY2(torch::allclose(yF, yP, 1e-10, 1e-10), qPrintable(QString("%1: y %2").arg(isa).arg(maxAbsDiff(yF, yP))));
      QVERIFY2(torch::allclose(lF, lP, 1e-10, 1e-10), qPrintable(QString("%1: log-det %2").arg(isa).arg(maxAbsDiff(lF, lP))));
      QVERIFY2(torch::allclose(gxF, gxP, 1e-9, 1e-9), qPrintable(QString("%1: grad x %2").arg(isa).arg(maxAbsDiff(gxF, gxP))));
      QVERIFY2(torch::allclose(grF, grP, 1e-9, 1e-9), qPrintable(QString("%1: grad raw %2").arg(isa).arg(maxAbsDiff(grF, grP))));
    });
  }

  void fusedCouplingInFloat32StaysCloseToFloat64() {
    RandomScope rng(306);
    const int k = 8;
    auto x = test::randn({4, 2, 6, 6}, torch::kDouble) * 2;
    auto raw = test::randn({4, 2 * (2 + 3 * k), 6, 6}, torch::kDouble);
    auto ref = mixLogisticCouplingPlain(x, raw, k);
    test::forEachKernelTable([&](const char* isa) {
      auto f32 = mixLogisticCouplingFused(x.to(torch::kFloat), raw.to(torch::kFloat), k);
      QVERIFY2(maxAbsDiff(f32.y, ref.y) < 1e-4 * (1 + ref.y.abs().max().item<double>()), isa);
      QVERIFY2(maxAbsDiff(f32.logdet, ref.logdet) < 1e-4 * (1 + ref.logdet.abs().max().item<double>()), isa);
    });
  }

  // The fused Newton solver inverts the coupling: y -> x -> y, and agrees with the plain solver.
  void fusedInverseReproducesX_data() {
    QTest::addColumn<int>("k");
    QTest::addColumn<double>("spread");
    QTest::newRow("K=1") << 1 << 3.0;
    QTest::newRow("K=8") << 8 << 3.0;
    QTest::newRow("K=32, sharp components") << 32 << 6.0;
  }
  void fusedInverseReproducesX() {
    RandomScope rng(307);
    QFETCH(int, k);
    QFETCH(double, spread);
    auto x = test::randn({3, 2, 5, 9}, torch::kDouble) * spread;
    auto raw = test::randn({3, 2 * (2 + 3 * k), 5, 9}, torch::kDouble);
    raw.view({3, 2, 2 + 3 * k, 5, 9}).narrow(2, 2 + 2 * k, k).mul_(2).sub_(3);
    auto y = mixLogisticCouplingPlain(x, raw, k).y;
    auto plain = mixLogisticCouplingInverse(y, raw, k, {InverseMethod::Bisection, 1e-12, 200});
    test::forEachKernelTable([&](const char* isa) { checkFusedInverse(isa, y, raw, k, plain); });
  }

 private:
  static void checkFusedInverse(const char* isa, const torch::Tensor& y, const torch::Tensor& raw, int k,
                                const CouplingInverseResult& plain) {
    qInfo("%s kernels", isa);
    auto fused = mixLogisticCouplingInverse(y, raw, k, {InverseMethod::Newton, 1e-12, 200});
    QVERIFY(fused.converged && plain.converged);
    // Measured where it is well conditioned: through the forward again (x itself is ill-determined
    // where the mixture's CDF is flat between far-apart components).
    auto again = mixLogisticCouplingPlain(fused.x, raw, k);
    QVERIFY2(maxAbsDiff(again.y, y) < 1e-9 * (1 + y.abs().max().item<double>()), qPrintable(QString("round trip %1").arg(maxAbsDiff(again.y, y))));
    QVERIFY2(maxAbsDiff(mixLogisticCouplingPlain(plain.x, raw, k).y, y) < 1e-9 * (1 + y.abs().max().item<double>()), "bisection");
    QVERIFY(torch::allclose(fused.logdet, -again.logdet, 1e-8, 1e-8));
    QVERIFY2(fused.iterations < plain.iterations, qPrintable(QString("Newton %1, bisection %2").arg(fused.iterations).arg(plain.iterations)));
    // float32 storage, float64 solve: the round trip is exact to float32 rounding.
    auto f = mixLogisticCouplingInverse(y.to(torch::kFloat), raw.to(torch::kFloat), k);
    auto againF = mixLogisticCouplingPlain(f.x.to(torch::kDouble), raw, k).y;
    QVERIFY2(maxAbsDiff(againF, y) < 1e-4 * (1 + y.abs().max().item<double>()), qPrintable(QString("float32 round trip %1").arg(maxAbsDiff(againF, y))));
  }

 private:
  static double maxAbsDiff(const torch::Tensor& a, const torch::Tensor& b) {
    return (a.to(torch::kDouble) - b.to(torch::kDouble)).abs().max().item<double>();
  }
};

FLOWPP_TEST_GUILESS_MAIN(TestMixLogistic)
#include "test_mixlogistic.moc"
