// The mixture-of-logistics CDF and its inverse: Newton against bisection, including hard cases.
#include <QtTest>

#include "math/MixLogistic.h"

using namespace flowpp;

class TestMixLogistic : public QObject {
  Q_OBJECT
 private:
  static MixLogisticParams randomParams(int64_t n, int64_t k, double meanSpread, double minLogScale,
                                        double maxLogScale) {
    MixLogisticParams p;
    p.logits = torch::randn({n, k}, torch::kDouble) * 2;
    p.means = torch::randn({n, k}, torch::kDouble) * meanSpread;
    p.logScales = torch::rand({n, k}, torch::kDouble) * (maxLogScale - minLogScale) + minLogScale;
    return p;
  }

 private Q_SLOTS:
  void initTestCase() { torch::manual_seed(0); }

  void cdfMatchesDirectFormulaInFloat64() {
    auto p = randomParams(1000, 5, 2.0, -2, 1);
    auto x = torch::randn({1000}, torch::kDouble) * 3;
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
    QFETCH(int, k);
    QFETCH(double, meanSpread);
    QFETCH(double, minLogScale);
    QFETCH(double, maxLogScale);
    QFETCH(double, targetSpread);
    const int64_t n = 4000;
    auto p = randomParams(n, k, meanSpread, minLogScale, maxLogScale);
    auto target = torch::randn({n}, torch::kDouble) * targetSpread;
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
    auto p = randomParams(2000, 16, 1.0, -3, 1);
    MixLogisticParams pf{p.logits.to(torch::kFloat), p.means.to(torch::kFloat), p.logScales.to(torch::kFloat)};
    auto x = torch::randn({2000}) * 4;
    auto c = mixLogisticLogCdf(x, pf);
    auto r = mixLogisticInverse(c.logF - c.log1mF, pf);
    QCOMPARE(r.x.scalar_type(), torch::kFloat);
    QVERIFY2(maxAbsDiff(r.x, x) < 1e-4, qPrintable(QString::number(maxAbsDiff(r.x, x))));
  }

 private:
  static double maxAbsDiff(const torch::Tensor& a, const torch::Tensor& b) {
    return (a.to(torch::kDouble) - b.to(torch::kDouble)).abs().max().item<double>();
  }
};

QTEST_GUILESS_MAIN(TestMixLogistic)
#include "test_mixlogistic.moc"
