// The playground's 2-D Flow++ and the 1-D dequantization experiment: densities that integrate to 1,
// exact inverses layer by layer, log-dets against autograd, the paper's ablation on rings (mixture
// beats affine at equal parameters and steps), and the dequantization bound and gap.
#include <QtTest>

#include "../TestMain.h"

#include "Helpers.h"
#include "toy/Dequant1D.h"
#include "toy/ToyFlow.h"
#include "toy/ToyLab.h"
#include "toy/ToyTargets.h"

using namespace flowpp;
using namespace flowpp::test;

namespace {
// A flow fitted for a few hundred steps to a target, so that checks see a bent, non-trivial map.
ToyFlow trainedFlow(const ToyFlowOptions& options, ToyTargetKind kind, int steps) {
  ToyTarget target;
  target.kind = kind;
  ToyFlow flow(options);
  flow->dataInit(sampleToyTarget(target, 1024));
  torch::optim::Adam adam(flow->parameters(), torch::optim::AdamOptions(5e-3));
  for (int i = 0; i < steps; ++i) {
    adam.zero_grad();
    (-flow->logProb(sampleToyTarget(target, 256)).mean()).backward();
    adam.step();
  }
  return flow;
}

// The integral of p over [-R, R]^2 by the midpoint rule on an n x n raster.
double integral(ToyFlow& flow, double R, int n) {
  torch::NoGradGuard g;
  auto c = (torch::arange(n, torch::kDouble) + 0.5) / n * (2 * R) - R;
  auto grid = torch::stack(torch::meshgrid({c, c}, "ij"), -1).reshape({-1, 2});
  return torch::exp(flow->logProb(grid)).sum().item<double>() * (2 * R / n) * (2 * R / n);
}
}  // namespace

class TestToy : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void densitiesIntegrateToOne_data() {
    QTest::addColumn<int>("components");
    QTest::addColumn<int>("split");
    QTest::newRow("mixture K=8, alternating") << 8 << int(ToySplit::Alternating);
    QTest::newRow("mixture K=4, rotation") << 4 << int(ToySplit::Rotation);
    QTest::newRow("affine") << 0 << int(ToySplit::Alternating);
  }
  void densitiesIntegrateToOne() {
    QFETCH(int, components);
    QFETCH(int, split);
    RandomScope rng(501);
    ToyFlowOptions o;
    o.components = components, o.split = ToySplit(split), o.layers = 4;
    auto flow = trainedFlow(o, ToyTargetKind::Rings, 150);
    flow->to(torch::kDouble);
    const double mass = integral(flow, 9.0, 600);
    qInfo("integral of p over [-9, 9]^2: %.5f", mass);
    QVERIFY2(std::abs(mass - 1.0) < 0.01, qPrintable(QString("the density integrates to %1").arg(mass)));
  }

  void inverseIsExactLayerByLayerAndLogDetMatchesAutograd_data() {
    QTest::addColumn<int>("components");
    QTest::addColumn<int>("split");
    QTest::newRow("mixture, alternating") << 8 << int(ToySplit::Alternating);
    QTest::newRow("mixture, rotation") << 8 << int(ToySplit::Rotation);
    QTest::newRow("affine, rotation") << 0 << int(ToySplit::Rotation);
  }
  void inverseIsExactLayerByLayerAndLogDetMatchesAutograd() {
    QFETCH(int, components);
    QFETCH(int, split);
    RandomScope rng(502);
    ToyFlowOptions o;
    o.components = components, o.split = ToySplit(split), o.layers = 5, o.hidden = 16;
    ToyTarget moons;
    moons.kind = ToyTargetKind::TwoMoons;
    auto flow = trainedFlow(o, moons.kind, 200);
    flow->to(torch::kDouble);
    // Points where the flow was trained (far outside, a trained flow can be nearly flat, and any
    // inverse then amplifies rounding without bound).
    auto x = sampleToyTarget(moons, 256).to(torch::kDouble);
    std::vector<torch::Tensor> trace;
    ToyInverseResult back;
    {
      torch::NoGradGuard g;
      auto f = flow->forward(x, &trace);
      back = flow->inverse(f.z, true);
    }
    QCOMPARE(int(trace.size()), o.layers + 1);
    QCOMPARE(int(back.trace.size()), o.layers + 1);
    // Each layer on its own: undoing layer i from its output gives its input.
    for (int i = 0; i <= o.layers; ++i) {
      const double err = maxAbsDiff(back.trace[o.layers - i], trace[i]);
      QVERIFY2(err < 1e-7, qPrintable(QString("after layer %1 the inverse is off by %2").arg(i).arg(err)));
    }
    for (int i = 0; i < 4; ++i) {
      auto xi = x.narrow(0, i, 1);
      const double brute = bruteForceLogDet([&](const torch::Tensor& t) { return flow->forward(t).z; }, xi.clone());
      const double ours = flow->forward(xi).logdet.item<double>();
      QVERIFY2(std::abs(brute - ours) < 1e-8, qPrintable(QString("log-det %1 vs autograd %2").arg(ours).arg(brute)));
    }
  }

  void mixtureBeatsAffineOnRingsAtEqualParameters() {
    ToyLabOptions o;
    o.target.kind = ToyTargetKind::Rings;
    o.seed = 1;
    ToyLab lab(o);
    lab.train(1500);
    const auto frame = lab.frame(32, o.flow.layers, 100);
    const double mixture = lab.testNll(true), affine = lab.testNll(false);
    qInfo("rings, seed 1, 1500 steps: mixture (K=8, %lld params) held-out NLL %.3f nats; affine (%lld params) %.3f nats",
          static_cast<long long>(frame.mixture.parameters), mixture, static_cast<long long>(frame.affine.parameters), affine);
    QVERIFY2(std::abs(double(frame.mixture.parameters - frame.affine.parameters)) <= 0.01 * frame.mixture.parameters,
             "the two flows' parameter counts differ by more than 1%");
    QVERIFY2(mixture < affine - 0.1, "the mixture coupling did not beat the affine one");
  }

  void sameSeedSameRun() {
    ToyLabOptions o;
    o.target.kind = ToyTargetKind::EightGaussians;
    o.seed = 7, o.flow.layers = 3, o.flow.hidden = 8;
    ToyLab a(o), b(o);
    a.train(30), b.train(30);
    QCOMPARE(a.testNll(true), b.testNll(true));
    QCOMPARE(a.testNll(false), b.testNll(false));
    QCOMPARE(a.frame(16, 1, 50).mixture.samples.xy, b.frame(16, 1, 50).mixture.samples.xy);
  }

  // The checkerboard target's density raster against the board itself: 1/32 on each of the 32 dark
  // unit squares of [-4, 4]^2 (to Monte-Carlo error), exactly 0 on the light ones.
  void checkerboardDensityIsTheBoard() {
    ToyTarget t;
    t.kind = ToyTargetKind::Checkerboard;
    const int grid = 16;  // each unit square is 2 x 2 cells
    auto d = toyTargetDensity(t, grid, 3);
    for (int r = 0; r < grid; ++r)
      for (int c = 0; c < grid; ++c) {
        const double x = -kToyExtent + (c + 0.5) * 0.5, y = kToyExtent - (r + 0.5) * 0.5;  // the cell's centre
        const bool dark = (int(std::floor(x + 4)) + int(std::floor(y + 4))) % 2 == 0;
        const double v = d[size_t(r * grid + c)];
        if (dark)
          QVERIFY2(std::abs(v - 1.0 / 32) < 0.1 / 32, qPrintable(QString("dark cell (%1, %2): %3").arg(r).arg(c).arg(v)));
        else
          QVERIFY2(v == 0, qPrintable(QString("light cell (%1, %2): %3").arg(r).arg(c).arg(v)));
      }
  }

  // Training that diverges says so (not a NaN result), and the lab, whose second flow trains on a
  // helper thread with the caller's batch, goes away cleanly while that job may still run.
  void aDivergingLabThrowsAndEndsCleanly() {
    ToyLabOptions o;
    o.target.kind = ToyTargetKind::Checkerboard;
    o.learningRate = 0.5;
    for (int round = 0; round < 3; ++round) {
      ToyLab lab(o);
      try {
        lab.train(400);
        QFAIL("a learning rate of 0.5 trained 400 steps without a non-finite loss");
      } catch (const std::runtime_error& e) {
        QVERIFY2(QString(e.what()).contains("not a finite number") && QString(e.what()).contains("lower learning rate"), e.what());
      }
    }
  }

  void badOptionsAreRefusedByName_data() {
    QTest::addColumn<int>("what");
    QTest::addColumn<QString>("fragment");
    QTest::newRow("layers 0") << 0 << "layers";
    QTest::newRow("K 0") << 1 << "K (mixture components)";
    QTest::newRow("lr nan") << 2 << "learning rate";
    QTest::newRow("painted, negative weight") << 3 << "negative";
    QTest::newRow("painted, nothing painted") << 4 << "empty";
  }
  void badOptionsAreRefusedByName() {
    QFETCH(int, what);
    QFETCH(QString, fragment);
    ToyLabOptions o;
    if (what == 0) o.flow.layers = 0;
    if (what == 1) o.flow.components = 0;
    if (what == 2) o.learningRate = std::nan("");
    if (what >= 3) {
      o.target.kind = ToyTargetKind::Painted, o.target.size = 4;
      o.target.weights.assign(16, what == 3 ? 1.0 : 0.0);
      if (what == 3) o.target.weights[5] = -1;
    }
    try {
      ToyLab lab(o);
      QFAIL("accepted");
    } catch (const std::invalid_argument& e) {
      QVERIFY2(QString(e.what()).contains(fragment), e.what());
    }
  }

  void variationalDequantizationClosesTheGap() {
    Dequant1DOptions o;
    o.seed = 2, o.steps = 800;
    auto r = fitDequant1D(o);
    for (const auto* f : {&r.uniform, &r.variational}) {
      qInfo("%s dequantization: bound %.4f, exact %.4f, gap %.4f bits (data entropy %.4f)", f->name.c_str(), f->boundBits, f->exactBits,
            f->gapBits(), r.entropyBits);
      QVERIFY2(f->gapBits() > -1e-6, "the bound is better than the exact likelihood (Jensen says it cannot be)");
      QVERIFY(f->exactBits > r.entropyBits - 1e-9);  // no model beats the data's entropy
      double mass = 0;
      for (double m : f->levelMass) mass += m;
      QVERIFY(mass <= 1.0 + 1e-9);
    }
    QVERIFY2(r.variational.gapBits() < r.uniform.gapBits(), "learned noise did not tighten the bound");
    QVERIFY2(r.variational.boundBits < r.uniform.boundBits, "learned noise did not improve the bound");
    // q(u|x) is a density on (0, 1) for each level.
    for (const auto& q : r.variational.noiseDensity) {
      double mass = 0;
      for (double v : q) mass += v / q.size();
      QVERIFY2(std::abs(mass - 1.0) < 0.02, qPrintable(QString("q(u|x) integrates to %1").arg(mass)));
    }
  }
};

FLOWPP_TEST_GUILESS_MAIN(TestToy)
#include "test_toy.moc"
