// The whole model on tiny configs (each split type, with and without attention, both dequantizers,
// both couplings): exact inverse, log-det against autograd, the per-pixel decomposition, the
// importance-weighted bound, parameter counts of the paper's configs, and every shipped config.
#include <QtTest>

#include "../TestMain.h"
#include "explore/LayerView.h"
#include "explore/SampleGrid.h"

#include <filesystem>

#include "Helpers.h"
#include "explore/Evaluation.h"
#include "model/FlowPlusPlus.h"
#include "model/Footprint.h"

using namespace flowpp;
using namespace flowpp::test;

namespace {

ModelConfig tinyConfig(SplitType split, AttentionMode attention, bool variational, bool affine) {
  return tinyCheckConfig(split, attention, variational, affine);
}

FlowPlusPlus initialisedTinyModel(const ModelConfig& config) {
  FlowPlusPlus model = buildModel(config, 3);
  model->dataInit(randint(0, 1 << config.nBits, {16, config.channels, config.height, config.width}));
  perturb(*model, 0.02);
  model->eval();
  return model;
}

}  // namespace

class TestModel : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void tinyModels_data() {
    QTest::addColumn<int>("split");
    QTest::addColumn<int>("attention");
    QTest::addColumn<bool>("variational");
    QTest::addColumn<bool>("affine");
    QTest::newRow("stripe, attention, variational, mixlogistic") << int(SplitType::Stripe) << int(AttentionMode::Self) << true << false;
    QTest::newRow("checkerboard, attention, variational, mixlogistic") << int(SplitType::Checkerboard) << int(AttentionMode::Self) << true << false;
    QTest::newRow("channel, no attention, variational, mixlogistic") << int(SplitType::Channel) << int(AttentionMode::None) << true << false;
    QTest::newRow("stripe, no attention, uniform, mixlogistic") << int(SplitType::Stripe) << int(AttentionMode::None) << false << false;
    QTest::newRow("stripe, pointwise ablation, variational, affine") << int(SplitType::Stripe) << int(AttentionMode::Pointwise) << true << true;
    QTest::newRow("checkerboard, attention, uniform, affine") << int(SplitType::Checkerboard) << int(AttentionMode::Self) << false << true;
  }

  void tinyModels() {
    RandomScope rng(200);
    QFETCH(int, split);
    QFETCH(int, attention);
    QFETCH(bool, variational);
    QFETCH(bool, affine);
    // Channel split needs an even channel count at the first stage: use 2 channels (tinyConfig).
    auto config = tinyConfig(SplitType(split), AttentionMode(attention), variational, affine);
    auto model = initialisedTinyModel(config);
    QCOMPARE(model->variationalDequantization(), variational);
    auto x = randint(0, 256, {6, 2, 4, 4});

    // Exact inverse of the main flow on continuous inputs, in float32.
    {
      torch::NoGradGuard g;
      auto y = x + rand(x.sizes());
      InverseContext inv;
      auto z = model->flowForward(y);
      auto back = model->flowInverse(z.out, inv);
      QVERIFY2(maxAbsDiff(back.out, y) <= 1e-4 * 256, qPrintable(QString::number(maxAbsDiff(back.out, y))));
      auto sumF = sumPerSample(z.logdet), sumI = sumPerSample(back.logdet);
      QVERIFY(maxAbsDiff(sumF, -sumI) < 1e-3 * (1 + sumF.abs().max().item<double>()));
      if (!affine) QVERIFY(inv.meanIterations() > 0);
    }
    // decode(encode(x)) gives back every 8-bit image exactly.
    QVERIFY(torch::equal(model->decode(model->encode(x)).x, x));

    // Whole-flow log-det against the brute-force Jacobian (autograd of the plain ATen ops), in float64.
    model->to(torch::kDouble);
    auto y1 = (x.narrow(0, 0, 1) + 0.3).to(torch::kDouble);
    double brute = bruteForceLogDet([&](const torch::Tensor& t) { return model->flowForward(t).out; }, y1);
    double ours = model->flowForward(y1).logdet.sum().item<double>();
    QVERIFY2(std::abs(brute - ours) < 1e-9 * (1 + std::abs(brute)),
             qPrintable(QString("%1 vs brute force %2").arg(ours, 0, 'g', 17).arg(brute, 0, 'g', 17)));
    model->to(torch::kFloat);

    // The per-pixel terms sum to the image's total, and the IW bound is never below the mean ELBO.
    torch::NoGradGuard g;
    auto lik = model->logLikelihood(x, true);
    auto sum = torch::zeros_like(lik.logp);
    for (const auto& t : lik.terms) {
      QCOMPARE(t.map.sizes(), x.sizes());
      sum = sum + sumPerSample(t.map);
    }
    QVERIFY(maxAbsDiff(sum, lik.logp) < 1e-4 * (1 + lik.logp.abs().max().item<double>()));
    for (int k : {1, 4, 16}) {
      auto b = model->importanceWeighted(x, k);
      QVERIFY2((b.iw >= b.elbo - 1e-9).all().item<bool>(), "importance-weighted bound below the ELBO");
      if (k == 1) QVERIFY(maxAbsDiff(b.iw, b.elbo) < 1e-9);
    }
    auto curve = importanceWeightedCurve(model, x.narrow(0, 0, 1), {1, 4, 16, 64});
    for (size_t i = 1; i < curve.size(); ++i) QVERIFY2(curve[i] <= curve[i - 1] + 1e-12, "IW curve rose with K");
  }

  // The layers view: every layer's per-pixel bits sum to the image's bound -log2 p(x+u) + log2 q(u|x)
  // for the same dequantization draw, the tensors have each layer's shape, and the inverse pass ends
  // at the decoded sample.
  void layersViewTermsSumToTheBound() {
    RandomScope rng(205);
    auto config = tinyConfig(SplitType::Stripe, AttentionMode::Self, true, false);
    config.channels = 3;  // a picture: grey or RGB
    auto model = initialisedTinyModel(config);
    auto image = randint(0, 256, {config.channels, config.height, config.width}).to(torch::kUInt8);
    const auto r = layersReport(model, image, 9);
    double logp = 0;
    {
      RandomScope same(9);  // the report's draw of the dequantization noise
      torch::NoGradGuard g;
      logp = model->logLikelihood(modelInput(model, image).to(model->device())).logp.item<double>();
    }
    const double bound = -logp / std::log(2.0);
    double sum = 0;
    for (const auto& layer : r.layers) {
      double perPixel = 0;
      for (double b : layer.bits) perPixel += b;
      QVERIFY2(std::abs(perPixel - layer.totalBits) < 1e-6 * (1 + std::abs(perPixel)), layer.name.c_str());
      QVERIFY(!layer.tiles.empty() && layer.tiles[0].width == layer.width);
      sum += layer.totalBits;
    }
    qInfo("%zu layers, their bits sum to %.6f; the bound is %.6f bits", r.layers.size(), sum, bound);
    QVERIFY2(std::abs(sum - bound) < 1e-3, qPrintable(QString("layers sum to %1 bits, the bound is %2").arg(sum).arg(bound)));
    QVERIFY(std::abs(r.totalBits - sum) < 1e-9);
    QCOMPARE(r.layers.front().channels, config.channels);
    QCOMPARE(r.layers.back().channels, config.channels * 4);  // after the squeeze

    const auto inv = sampleLayersReport(model, 0.8, 42);
    const auto decoded = model->sample(1, 0.8, 42);
    QVERIFY2(inv.image.data == displayPixels(model, decoded.x[0]).data, "the inverse pass does not end at the sample");
    QVERIFY(inv.inverse && inv.layers.size() == r.layers.size() - 1);
    double iterations = 0;
    for (const auto& layer : inv.layers) iterations += layer.meanNewtonIterations;
    QVERIFY(iterations > 0);
  }

  void samplesAreDeterministicPerSeedAndValid() {
    RandomScope rng(201);
    auto model = initialisedTinyModel(tinyConfig(SplitType::Stripe, AttentionMode::Self, true, false));
    auto a = model->sample(4, 0.8, 42), b = model->sample(4, 0.8, 42), c = model->sample(4, 0.8, 43);
    QVERIFY(torch::equal(a.x, b.x));
    QVERIFY(!torch::equal(a.x, c.x));
    QVERIFY(a.x.min().item<double>() >= 0 && a.x.max().item<double>() <= 255);
    QVERIFY(a.converged);
  }

  void nBitsVariants_data() {
    QTest::addColumn<int>("bits");
    QTest::newRow("5-bit") << 5;
    QTest::newRow("3-bit") << 3;
  }
  void nBitsVariants() {
    RandomScope rng(202);
    QFETCH(int, bits);
    auto config = tinyConfig(SplitType::Stripe, AttentionMode::None, true, false);
    config.nBits = bits;
    auto model = initialisedTinyModel(config);
    auto x = randint(0, 1 << bits, {4, 2, 4, 4});
    QVERIFY(torch::equal(model->decode(model->encode(x)).x, x));
    auto bpd = model->bitsPerDim(model->logLikelihood(x).logp);
    QVERIFY(torch::isfinite(bpd).all().item<bool>());
  }

  void paperParameterCounts_data() {
    QTest::addColumn<QString>("file");
    QTest::addColumn<qint64>("official");
    QTest::newRow("full Flow++") << "cifar10.json" << qint64(31443440);
    QTest::newRow("uniform dequantization") << "cifar10-uniform-dequant.json" << qint64(32324408);
    QTest::newRow("affine coupling") << "cifar10-affine.json" << qint64(32045708);
    QTest::newRow("no attention") << "cifar10-no-attention.json" << qint64(31443440);
  }
  void paperParameterCounts() {
    QFETCH(QString, file);
    QFETCH(qint64, official);
    auto config = ModelConfig::load(std::string(FLOWPP_SOURCE_DIR) + "/models/" + file.toStdString());
    QVERIFY(config.flow.stages.size() == 4);
    FlowPlusPlus model(config);
    const double ratio = double(model->parameterCount()) / double(official);
    qInfo("%s: %lld parameters (official %lld, ratio %.4f)", qPrintable(file), (long long)model->parameterCount(),
          (long long)official, ratio);
    QVERIFY(std::abs(ratio - 1.0) <= 0.01);
  }

  // The one-line summary the run manager lists, on the shipped ablation configs (read by hand from
  // models/cifar10-*.json: the affine and no-attention variants differ in exactly these words).
  void summaryNamesWhatTheAblationsChange() {
    const auto load = [](const char* f) { return ModelConfig::load(std::string(FLOWPP_SOURCE_DIR) + "/models/" + f).summary(); };
    const auto full = load("cifar10.json");
    QVERIFY2(full.find("mixlogistic \u00d732") == 0, full.c_str());
    QVERIFY2(full.find("variational dequant.") != std::string::npos, full.c_str());
    QVERIFY2(full.find("attention self") != std::string::npos, full.c_str());
    QVERIFY2(load("cifar10-affine.json").find("affine \u00b7") == 0, load("cifar10-affine.json").c_str());
    QVERIFY2(load("cifar10-uniform-dequant.json").find("uniform dequant.") != std::string::npos, load("cifar10-uniform-dequant.json").c_str());
    QVERIFY2(load("cifar10-no-attention.json").find("attention pointwise") != std::string::npos, load("cifar10-no-attention.json").c_str());
    ModelConfig c;
    c.flow.net.filters = 8, c.flow.net.blocks = 2, c.training.batchSize = 16;
    c.flow.stages = {{false, SplitType::Checkerboard, 2, AttentionMode::None}, {true, SplitType::Stripe, 0, {}}, {false, SplitType::Channel, 2, {}}};
    QCOMPARE(QString::fromStdString(c.summary()),
             QString::fromUtf8("mixlogistic \u00d732 \u00b7 variational dequant. \u00b7 attention none/self \u00b7 8 filters \u00d7 2 blocks \u00b7 batch 16"));
  }

  void everyShippedConfigLoads() {
    int count = 0;
    for (const auto& entry : std::filesystem::directory_iterator(std::string(FLOWPP_SOURCE_DIR) + "/models")) {
      if (entry.path().extension() != ".json") continue;
      auto config = ModelConfig::load(entry.path().string());
      FlowPlusPlus model(config);
      QVERIFY(model->parameterCount() > 0);
      // The count from the config alone (used to refuse what cannot fit, and by the ablations)
      // is the built model's, exactly.
      QCOMPARE(parameterCount(config), model->parameterCount());
      ++count;
    }
    QVERIFY(count >= 8);
  }

  void badConfigsAreRejectedWithTheField() {
    auto j = tinyConfig(SplitType::Stripe, AttentionMode::Self, true, false).toJson();
    j["flow"]["stages"][0]["split"] = "diagonal";
    try {
      ModelConfig::fromJson(j, "my.json");
      QFAIL("accepted an unknown split");
    } catch (const std::invalid_argument& e) {
      QVERIFY2(QString(e.what()).contains("my.json: flow.stages[0].split: 'diagonal' is not one of stripe"), e.what());
    }
    auto odd = tinyConfig(SplitType::Stripe, AttentionMode::Self, true, false);
    odd.width = 5;
    odd.height = 5;
    QVERIFY_THROWS_EXCEPTION(std::exception, FlowPlusPlus{odd});
    // Through the parser the same config is refused with the stage and the shape named.
    try {
      ModelConfig::fromJson(odd.toJson(), "odd.json");
      QFAIL("accepted an odd width");
    } catch (const ConfigError& e) {
      QVERIFY2(QString(e.what()).contains("odd.json: flow.stages[0]: a stripe split needs an even width"), e.what());
    }
  }
};

FLOWPP_TEST_GUILESS_MAIN(TestModel)
#include "test_model.moc"
