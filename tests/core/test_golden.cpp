// Golden regression values: the log-likelihoods of a fixed-seed tiny model and of the bundled model
// on 16 Fashion-MNIST test images, pinned in tests/data/golden.json. A change that moves them is a
// change of behaviour; regenerate on purpose only, with FLOWPP_REGENERATE_GOLDEN=1 (and say why in
// the commit).
#include <QtTest>

#include <fstream>

#include "../TestMain.h"
#include "Helpers.h"
#include "data/Dataset.h"
#include "explore/Evaluation.h"
#include "model/Checkpoint.h"

using namespace flowpp;
using nlohmann::json;

namespace {
const std::string kGolden = std::string(FLOWPP_SOURCE_DIR) + "/tests/data/golden.json";

std::vector<double> tinyModelLogLikelihoods() {
  RandomScope rng(71);
  auto model = buildModel(tinyCheckConfig(SplitType::Stripe, AttentionMode::Self, true, false), 71);
  model->dataInit(test::randint(0, 256, {16, 2, 4, 4}));
  test::perturb(*model, 0.05);
  model->eval();
  torch::NoGradGuard g;
  auto x = test::randint(0, 256, {16, 2, 4, 4});
  auto logp = model->logLikelihood(x, false, model->drawNoise(16)).logp.to(torch::kDouble).contiguous();
  return {logp.data_ptr<double>(), logp.data_ptr<double>() + 16};
}

std::vector<double> bundledModelBitsPerDim() {
  auto loaded = loadModel(std::string(FLOWPP_SOURCE_DIR) + "/models/fmnist-small.fpp");
  auto data = loadDataset("/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz", 16);
  EvalOptions eo;
  eo.importanceSamples = 4, eo.seed = 5;
  auto r = evaluate(loaded.model, data.images, eo);
  auto bpd = r.bpdIw.contiguous();
  return {bpd.data_ptr<double>(), bpd.data_ptr<double>() + 16};
}

void compare(const std::vector<double>& now, const json& pinned, double tolerance, const char* what) {
  QCOMPARE(now.size(), pinned.size());
  for (size_t i = 0; i < now.size(); ++i)
    QVERIFY2(std::abs(now[i] - pinned[i].get<double>()) <= tolerance * std::max(1.0, std::abs(now[i])),
             qPrintable(QString("%1[%2]: %3, pinned %4").arg(what).arg(i).arg(now[i], 0, 'g', 10).arg(pinned[i].get<double>(), 0, 'g', 10)));
}
}  // namespace

class TestGolden : public QObject {
  Q_OBJECT
  json golden_;

 private Q_SLOTS:
  void initTestCase() {
    if (qEnvironmentVariableIsSet("FLOWPP_REGENERATE_GOLDEN")) {
      json j = {{"about", "log p(x) in nats of a fixed-seed tiny model; importance-weighted (K = 4, seed 5) bits/dim of the "
                          "bundled model on the first 16 Fashion-MNIST test images. Regenerate on purpose only."},
                {"tiny_model_log_likelihood", tinyModelLogLikelihoods()},
                {"bundled_model_bpd_iw4", bundledModelBitsPerDim()}};
      std::ofstream(kGolden) << j.dump(2) << "\n";
      qInfo("regenerated %s", kGolden.c_str());
    }
    std::ifstream in(kGolden);
    QVERIFY2(in, "tests/data/golden.json is missing: run once with FLOWPP_REGENERATE_GOLDEN=1");
    golden_ = json::parse(in);
  }

  // float32 maths: equal to a few ulps on one machine; 1e-5 relative leaves room for other CPUs'
  // kernels (oneDNN picks per instruction set) while catching any change of the model's maths.
  void tinyModel() { compare(tinyModelLogLikelihoods(), golden_["tiny_model_log_likelihood"], 1e-5, "tiny"); }
  void bundledModel() { compare(bundledModelBitsPerDim(), golden_["bundled_model_bpd_iw4"], 1e-5, "bundled"); }
};

FLOWPP_TEST_GUILESS_MAIN(TestGolden)
#include "test_golden.moc"
