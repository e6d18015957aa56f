// The lossless coder's parts against independent references: the ANS stack against the ideal code
// length and a hand-worked push; Gaussian coding against the normal density; the scalar float64 maps
// against the model's own torch layers; and whole models, which must decode every image exactly and
// code each batch at the bound the model itself computes for the same noise.
#include <QtTest>

#include <cmath>
#include <random>

#include "../TestMain.h"
#include "Helpers.h"
#include "codec/AnsStack.h"
#include "codec/ElementMaps.h"
#include "codec/GaussianCode.h"
#include "codec/ModelCoder.h"
#include "explore/SelfCheck.h"
#include "flows/Partition.h"
#include "flows/PixelPreprocess.h"
#include "math/MixLogisticFused.h"
#include "model/FlowPlusPlus.h"

using namespace flowpp;
using namespace flowpp::codec;
using namespace flowpp::test;

namespace {

FlowPlusPlus codingModel(SplitType split, bool variational, bool affine, bool pointwise, uint64_t seed) {
  auto config = tinyCheckConfig(split, AttentionMode::Self, variational, affine);
  config.flow.pointwise = pointwise;
  FlowPlusPlus model = buildModel(config, seed);
  // Statistics from many images, so that the latents of new ones are typical (the code's tails beyond
  // 4.7 standard deviations are cheaper than the Gaussian's, which would blur the comparison).
  model->dataInit(randint(0, 256, {512, config.channels, config.height, config.width}));
  perturb(*model, 0.02);
  model->eval();
  return model;
}

}  // namespace

class TestCodec : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  // One push on a new stack, worked by hand from rANS's formula x' = floor(x / f) * 2^24 + x mod f + s,
  // after the renormalisation that moves the head's low 32 bits out (x >= 2^39 f).
  void ansPushByHand() {
    AnsStack s;
    auto read = [](const std::string& bytes, size_t at, int count) {
      uint64_t v = 0;
      for (int b = 0; b < count; ++b) v |= uint64_t(uint8_t(bytes[at + size_t(b)])) << (8 * b);
      return v;
    };
    const uint64_t x = read(s.toBytes(), 0, 8);
    QVERIFY(x >= (1ull << 39) * 3);
    s.push(5, 3);
    const auto bytes = s.toBytes();
    QCOMPARE(bytes.size(), size_t(12));
    QCOMPARE(read(bytes, 8, 4), x & 0xffffffffull);
    const uint64_t shifted = x >> 32;
    const uint64_t expected = ((shifted / 3) << 24) + shifted % 3 + 5;
    QCOMPARE(read(bytes, 0, 8), expected);
    QCOMPARE(s.peek(), uint32_t(expected & ((1u << 24) - 1)));
  }

  // Random symbols pushed and popped in reverse come back; the stack grows by the ideal code length
  // sum(-log2 p) to within the head's 64 bits; popping everything leaves the starting stack.
  void ansRoundTripAndLength() {
    std::mt19937_64 rng(11);
    AnsStack s;
    struct Symbol { uint32_t start, freq; };
    std::vector<Symbol> symbols;
    double ideal = 0;
    for (int i = 0; i < 20000; ++i) {
      const int bits = 1 + int(rng() % AnsStack::kPrecision);
      uint32_t freq = uint32_t(rng() % (1ull << bits)) + 1;
      freq = std::min<uint32_t>(freq, AnsStack::kTotal);
      uint32_t start = uint32_t(rng() % (uint64_t(AnsStack::kTotal) - freq + 1));
      // The edges: the smallest mass at either end of the range, and the whole range.
      if (i % 97 == 0) start = 0, freq = 1;
      if (i % 97 == 1) start = AnsStack::kTotal - 1, freq = 1;
      if (i % 97 == 2) start = 0, freq = AnsStack::kTotal;
      symbols.push_back({start, freq});
      s.push(start, freq);
      ideal += AnsStack::kPrecision - std::log2(double(freq));
    }
    // rANS with 24-bit probabilities under a head of at least 2^31 loses under 2^-7 of a bit per
    // symbol at worst and about 1e-6 on average (measured: 0.02 bits over these 20,000 symbols).
    const double start = AnsStack().bits();
    qInfo("coded %.2f bits, ideal %.2f", s.bits() - start, ideal);
    QVERIFY2(std::abs(s.bits() - start - ideal) < 8, qPrintable(QString("coded %1 bits, ideal %2").arg(s.bits() - start).arg(ideal)));
    auto restored = AnsStack::fromBytes(s.toBytes());
    for (auto it = symbols.rbegin(); it != symbols.rend(); ++it) {
      const uint32_t slot = restored.peek();
      QVERIFY(slot >= it->start && slot - it->start < it->freq);
      restored.pop(it->start, it->freq);
    }
    QVERIFY(restored.backAtStart());
    QCOMPARE(restored.toBytes(), AnsStack().toBytes());
  }

  // Popping from an empty stack draws initial words; pushing back what was popped restores them.
  void ansInitialBits() {
    AnsStack s;
    std::vector<uint32_t> drawn;
    for (int i = 0; i < 100; ++i) drawn.push_back(s.popBits(1 + i % AnsStack::kPrecision));
    QVERIFY(s.initialWords() > 0);
    for (int i = 99; i >= 0; --i) s.pushBits(drawn[size_t(i)], 1 + i % AnsStack::kPrecision);
    QVERIFY(s.backAtStart());
    QVERIFY(!AnsStack().toBytes().empty());
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, AnsStack::fromBytes("short"));
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, AnsStack::fromBytes(std::string(12, '\0')));  // head 0
  }

  // Gaussian coding is exact for any value and any Gaussian (escapes, bounds, a NaN mean, zero and
  // huge widths), and costs -log2 of the density times the grid step for typical values.
  void gaussianRoundTrip() {
    std::mt19937_64 rng(12);
    std::normal_distribution<double> normal;
    AnsStack s;
    struct Case { int64_t k; Gaussian g; };
    std::vector<Case> cases;
    const double two32 = 4294967296.0;
    for (int i = 0; i < 3000; ++i) {
      Gaussian g;
      g.mean = normal(rng) * 10;
      g.std = std::exp(normal(rng) * 4 - 3);
      double value = g.mean + g.std * normal(rng) * (i % 10 == 0 ? 40 : 1);  // some far outside the window
      if (i % 7 == 0) { g.lo = int64_t(std::floor((g.mean - g.std) * two32)); g.hi = int64_t(std::floor((g.mean + g.std) * two32)); }
      int64_t k = int64_t(std::floor(value * two32));
      if (g.lo) k = std::clamp(k, *g.lo, *g.hi);
      // Degenerate Gaussians (unbounded ones: a bounded Gaussian only ever codes values in its window).
      if (i % 50 == 1 && !g.lo) g.mean = NAN;
      if (i % 50 == 2 && !g.lo) g.std = 0;
      if (i % 50 == 3 && !g.lo) g.std = INFINITY;
      if (i % 50 == 4 && !g.lo) k = (int64_t(1) << 60) * (i % 100 < 50 ? 1 : -1);  // far outside, still in range
      cases.push_back({k, g});
      pushGaussian(s, k, g);
    }
    for (auto it = cases.rbegin(); it != cases.rend(); ++it) QCOMPARE(popGaussian(s, it->g), it->k);
    QVERIFY(s.backAtStart());
    // Beyond the coder's range (|v| >= 2^29) a push refuses rather than write what cannot be read.
    QVERIFY_THROWS_EXCEPTION(std::range_error, pushGaussian(s, int64_t(1) << 62, Gaussian{}));

    for (double stdv : {1e-6, 1e-3, 1.0, 300.0}) {
      Gaussian g{0.3, stdv, {}, {}};
      for (double t : {-3.0, -0.5, 0.0, 1.0, 2.5}) {
        const double value = g.mean + t * stdv;
        const int64_t k = int64_t(std::floor(value * two32));
        const double density = std::exp(-0.5 * t * t) / (stdv * std::sqrt(2 * M_PI));
        const double ideal = -std::log2(density / two32);
        QVERIFY2(std::abs(gaussianCodeBits(k, g) - ideal) < 0.01,
                 qPrintable(QString("std %1, t %2: %3 bits, ideal %4").arg(stdv).arg(t).arg(gaussianCodeBits(k, g)).arg(ideal)));
      }
    }
  }

  // The scalar maps against the model's torch layers in float64, their slopes against central
  // differences, and their inverses.
  void elementMaps() {
    RandomScope rng(13);
    auto y = rand({200}).to(torch::kDouble) * 256;
    PixelPreprocess pre(8);
    auto expected = pre->forward(y.view({1, 1, 10, 20}));
    const auto* yp = y.data_ptr<double>();
    for (int i = 0; i < 200; ++i) {
      const auto v = logitForward(yp[i], 256);
      QVERIFY(std::abs(v.y - expected.out.view(-1)[i].item<double>()) < 1e-12);
      QVERIFY(std::abs(std::log(v.slope) - expected.logdet.view(-1)[i].item<double>()) < 1e-9);
      QVERIFY(std::abs(logitInverse(v.y, 256) - yp[i]) < 1e-9);
    }
    for (double v : {-30.0, -3.0, 0.0, 0.7, 12.0}) {
      const auto s = sigmoidForward(v);
      QVERIFY(std::abs(s.y - 1 / (1 + std::exp(-v))) < 1e-15);
      QVERIFY(std::abs(s.slope - s.y * (1 - s.y)) < 1e-15);
      QVERIFY(std::abs(sigmoidInverse(s.y) - v) < 1e-9 * (1 + std::abs(v)));
    }
    // The mixture coupling against the plain ATen transform, with log-scales at and below the clamp.
    const int64_t K = 4;
    auto raw = randn({1, 2 + 3 * K, 5, 6}, torch::kDouble) * 2;
    raw.narrow(1, 2 + 2 * K, 1).fill_(-9.0);
    auto x = randn({1, 1, 5, 6}, torch::kDouble) * 3;
    auto plain = mixLogisticCouplingPlain(x, raw, K);
    auto p = raw.permute({0, 2, 3, 1}).contiguous();  // [1, 5, 6, slots]
    for (int64_t e = 0; e < 30; ++e) {
      const double* q = p.data_ptr<double>() + e * (2 + 3 * K);
      double scales[K];
      for (int64_t k = 0; k < K; ++k) scales[k] = std::max(q[2 + 2 * K + k], kMinMixtureLogScale);
      Mixture m{std::tanh(q[0]), q[1], int(K), q + 2, q + 2 + K, scales};
      const double xe = x.view(-1)[e].item<double>();
      const auto f = mixtureForward(xe, m);
      QVERIFY(std::abs(f.y - plain.y.view(-1)[e].item<double>()) < 1e-10);
      QVERIFY(std::abs(std::log(f.slope) - plain.logdet.view(-1)[e].item<double>()) < 1e-9);
      const double h = 1e-6;
      const double numeric = (mixtureForward(xe + h, m).y - mixtureForward(xe - h, m).y) / (2 * h);
      QVERIFY(std::abs(numeric - f.slope) < 1e-6 * (1 + f.slope));
      QVERIFY(std::abs(mixtureInverse(f.y, m) - xe) < 1e-10 * (1 + std::abs(xe)));
    }
  }

  // Whole models: every kind codes a batch and decodes it exactly, back to the starting stack, at
  // the bound log p(x + u) - log q(u | x) the model computes for the noise the coder drew.
  void modelRoundTrip_data() {
    QTest::addColumn<int>("split");
    QTest::addColumn<bool>("variational");
    QTest::addColumn<bool>("affine");
    QTest::addColumn<bool>("pointwise");
    QTest::newRow("stripe, variational, mixture, 1x1") << int(SplitType::Stripe) << true << false << true;
    QTest::newRow("checkerboard, uniform, mixture, 1x1") << int(SplitType::Checkerboard) << false << false << true;
    QTest::newRow("channel, variational, affine, no 1x1") << int(SplitType::Channel) << true << true << false;
    QTest::newRow("stripe, uniform, affine, 1x1") << int(SplitType::Stripe) << false << true << true;
  }

  void modelRoundTrip() {
    QFETCH(int, split);
    QFETCH(bool, variational);
    QFETCH(bool, affine);
    QFETCH(bool, pointwise);
    RandomScope rng(14);
    auto model = codingModel(SplitType(split), variational, affine, pointwise, 14);
    ModelCoder coder(model);
    AnsStack s;
    std::vector<torch::Tensor> batches;
    std::vector<double> coded, bound;
    const int kBatches = 12;
    for (int i = 0; i < kBatches; ++i) {
      auto x = randint(0, 256, {2, 2, 4, 4}).to(torch::kLong);
      const double before = s.bits();
      auto batch = coder.encode(s, x);
      coded.push_back(s.bits() - before);
      torch::NoGradGuard g;
      model->to(torch::kDouble);
      bound.push_back(-model->logLikelihood(x.to(torch::kDouble), false, batch.noise).logp.sum().item<double>() / std::log(2.0));
      const auto u = model->dequantize(x.to(torch::kDouble), batch.noise).u;
      const auto z = model->flowForward(x.to(torch::kDouble) + u).out;
      const double zError = maxAbsDiff(z, batch.latent);
      QVERIFY2(zError < 5e-3, qPrintable(QString("batch %1: the coded latent is %2 from the model's").arg(i).arg(zError)));
      model->to(torch::kFloat);
      batches.push_back(x);
    }
    double total = 0;
    for (size_t i = 0; i < coded.size(); ++i) {
      qInfo("batch %zu: coded %.2f bits, bound %.2f bits", i, coded[i], bound[i]);
      QVERIFY2(std::abs(coded[i] - bound[i]) < 3,
               qPrintable(QString("batch %1: coded %2 bits, the model's bound %3").arg(i).arg(coded[i]).arg(bound[i])));
      total += coded[i] - bound[i];
    }
    QVERIFY2(std::abs(total) / kBatches < 0.3, qPrintable(QString("coded %1 bits more than the bound per batch of 64 sub-pixels").arg(total / kBatches)));
    auto restored = AnsStack::fromBytes(s.toBytes());
    for (int i = kBatches - 1; i >= 0; --i) QVERIFY(torch::equal(coder.decode(restored, 2), batches[size_t(i)]));
    QVERIFY(restored.backAtStart());
  }
};

FLOWPP_TEST_GUILESS_MAIN(TestCodec)
#include "test_codec.moc"
