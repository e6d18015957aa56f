// The trainer: the loss falls, the NaN and exploding-loss guards, exact resume (weights and the
// metrics log, also when a run stops between two log lines), run folders that belong to one run
// (a new run into a used folder changes nothing; pruning keeps the newest), and temp files of a
// killed writer cleaned up.
#include <QTemporaryDir>
#include <QtTest>

#include <filesystem>
#include <fstream>

#include "../TestMain.h"
#include "Helpers.h"
#include "RunHelpers.h"
#include "data/Dataset.h"
#include "explore/Evaluation.h"
#include "train/MetricsLog.h"
#include "model/Checkpoint.h"
#include "train/Adam.h"
#include "train/Ema.h"
#include "train/RunFolder.h"
#include "train/Trainer.h"
#include "util/AtomicFile.h"

using namespace flowpp;
using namespace flowpp::test;
namespace fs = std::filesystem;

namespace {
std::vector<nlohmann::json> metricsOf(const std::string& runDir) {
  std::vector<nlohmann::json> rows;
  std::ifstream in(runDir + "/metrics.jsonl");
  std::string line;
  while (std::getline(in, line)) {
    auto j = nlohmann::json::parse(line);
    if (!j.contains("event")) {
      j.erase("wall_seconds"), j.erase("images_per_sec");  // timing, not computation
      rows.push_back(j);
    }
  }
  return rows;
}

ModelConfig tinyTrainConfig() {
  auto c = tinyCheckConfig(SplitType::Stripe, AttentionMode::Self, true, false);
  c.channels = 1, c.height = 8, c.width = 8;
  c.flow.stages = {StageConfig{false, SplitType::Checkerboard, 2, {}}, StageConfig{true, SplitType::Stripe, 0, {}},
                   StageConfig{false, SplitType::Channel, 2, {}}};
  c.training.learningRate = 3e-3, c.training.warmupSteps = 5, c.training.batchSize = 8, c.training.initBatchSize = 8;
  return c;
}

ImageDataset tinyImages(int n) {
  RandomScope rng(9);
  auto img = torch::zeros({n, 1, 8, 8}, torch::kUInt8);
  img.narrow(2, 2, 4).narrow(3, 2, 4).fill_(200);  // a bright square on black: learnable structure
  img += test::randint(0, 30, {n, 1, 8, 8}).to(torch::kUInt8);
  return {img, "synthetic", "test"};
}

TrainOptions options(const std::string& dir, int64_t steps) {
  TrainOptions o;
  o.runDir = dir;
  o.steps = steps, o.logEvery = 5, o.evalEvery = 0, o.checkpointEvery = 10;
  return o;
}

std::map<std::string, std::string> snapshot(const std::string& dir) {  // every file and its bytes
  std::map<std::string, std::string> files;
  for (const auto& e : fs::recursive_directory_iterator(dir))
    if (e.is_regular_file() && e.path().filename() != ".lock") files[e.path().string()] = readFile(e.path().string());
  return files;
}
}  // namespace

class TestTrainer : public QObject {
  Q_OBJECT
  QTemporaryDir dir_;
  std::string path(const QString& name) { return dir_.filePath(name).toStdString(); }

 private Q_SLOTS:
  // An EMA or optimiser state of the wrong shape is refused with the tensor's name: copying it would
  // broadcast a [1] into every element in silence.
  void trainingStatesOfTheWrongShapeAreRefused() {
    torch::nn::Linear layer(3, 2);
    Ema ema(*layer, 0.99);
    Adam adam(*layer);
    TensorMap state;
    ema.saveTo(state, "ema/");
    adam.saveTo(state);
    state["ema/weight"] = torch::ones({1});
    state["adam_m/bias"] = torch::ones({1});
    try {
      ema.loadFrom(state, "ck.fpp", "ema/");
      QFAIL("an EMA weight of shape [1] was accepted for a [2, 3] parameter");
    } catch (const CheckpointError& e) {
      QVERIFY2(QString(e.what()).contains("ck.fpp: tensor 'ema/weight' has shape [1]"), e.what());
    }
    try {
      adam.loadFrom(state, "ck.fpp");
      QFAIL("an Adam moment of shape [1] was accepted for a [2] parameter");
    } catch (const CheckpointError& e) {
      QVERIFY2(QString(e.what()).contains("'adam_m/bias' has shape [1]"), e.what());
    }
  }

  // Left to the budget, a 40-step run evaluates every ceil(40 / 20) = 2 steps and checkpoints every
  // ceil(40 / 10) = 4; the intervals are kept in the checkpoint, and a resumed run (with a longer
  // budget) keeps evaluating at the same steps.
  void intervalsScaleWithTheStepBudget() {
    auto o = options(path("run-budget"), 40);
    o.evalEvery = TrainOptions::kByBudget, o.checkpointEvery = TrainOptions::kByBudget, o.logEvery = 1, o.keepCheckpoints = 100;
    auto data = tinyImages(16);
    train(tinyTrainConfig(), data, &data, o);
    std::vector<int64_t> tested;
    for (const auto& row : metricsOf(o.runDir))
      if (row.contains("test_bpd")) tested.push_back(row["step"]);
    std::vector<int64_t> every2;
    for (int64_t s = 2; s <= 40; s += 2) every2.push_back(s);
    QCOMPARE(tested, every2);
    QVERIFY(fs::exists(o.runDir + "/checkpoints/ckpt-000000004.fpp") && fs::exists(o.runDir + "/checkpoints/ckpt-000000036.fpp"));
    QVERIFY(!fs::exists(o.runDir + "/checkpoints/ckpt-000000006.fpp"));
    const auto meta = readCheckpoint(newestCheckpoint(o.runDir)).meta;
    QCOMPARE(meta["eval_every"].get<int64_t>(), int64_t(2));
    QCOMPARE(meta["checkpoint_every"].get<int64_t>(), int64_t(4));
    o.resume = true, o.steps = 50;
    train(tinyTrainConfig(), data, &data, o);
    tested.clear();
    for (const auto& row : metricsOf(o.runDir))
      if (row.contains("test_bpd") && row["step"].get<int64_t>() > 40) tested.push_back(row["step"]);
    QCOMPARE(tested, (std::vector<int64_t>{42, 44, 46, 48, 50}));
  }

  // The logged test value is the mean of the EMA weights' per-image bounds, and test_bpd_se their
  // standard error: both recomputed here from the checkpoint with the evaluator (same images, same
  // noise seed) and torch's own std.
  void testValueCarriesItsStandardError() {
    RandomScope rng(131);
    auto o = options(path("run-se"), 20);
    o.evalEvery = 20, o.evalImages = 24;
    auto data = tinyImages(16), test = tinyImages(40);
    train(tinyTrainConfig(), data, &test, o);
    const auto rows = metricsOf(o.runDir);
    const auto last = std::find_if(rows.rbegin(), rows.rend(), [](const auto& r) { return r.contains("test_bpd_se"); });
    QVERIFY(last != rows.rend());
    auto model = loadModel(newestCheckpoint(o.runDir)).model;
    EvalOptions eo;
    eo.batchSize = 64, eo.seed = 12345;
    const auto bpd = evaluate(model, test.images.narrow(0, 0, 24), eo).bpdElbo;
    const double mean = bpd.mean().item<double>(), se = bpd.std().item<double>() / std::sqrt(24.0);
    QVERIFY2(std::abs((*last)["test_bpd"].get<double>() - mean) < 1e-6, qPrintable(QString::number(mean)));
    QVERIFY2(std::abs((*last)["test_bpd_se"].get<double>() - se) < 1e-6 * std::max(1.0, se), qPrintable(QString::number(se)));
    QVERIFY(se > 0);
  }

  // Two test values are ordered only when they differ by more than twice the combined standard error.
  void compareTestsNeedsTwoStandardErrors() {
    QCOMPARE(compareTests(3.00, 0.01, 3.05, 0.01), TestOrder::Lower);    // 0.05 > 2 * 0.0141
    QCOMPARE(compareTests(3.05, 0.01, 3.00, 0.01), TestOrder::Higher);
    QCOMPARE(compareTests(3.00, 0.01, 3.02, 0.01), TestOrder::TooClose);  // 0.02 < 0.0283
    QCOMPARE(compareTests(3.00, 0.03, 3.101, 0.04), TestOrder::Lower);    // 0.101 > 2 * 0.05
    QCOMPARE(compareTests(3.00, 0.03, 3.099, 0.04), TestOrder::TooClose);
    QCOMPARE(compareTests(3.00, NAN, 3.50, 0.01), TestOrder::Unknown);   // an old log without errors
  }

  void lossFallsOnAFixedBatch() {
    auto o = options(path("run-fall"), 50);
    o.logEvery = 10, o.checkpointEvery = 1000;
    auto data = tinyImages(8);
    auto summary = train(tinyTrainConfig(), data, nullptr, o);
    QCOMPARE(summary.step, int64_t(50));
    auto rows = metricsOf(o.runDir);
    QVERIFY(rows.size() >= 5);
    const double first = rows.front()["train_bpd"], last = rows.back()["train_bpd"];
    QVERIFY2(last < first - 0.5, qPrintable(QString("train bpd %1 -> %2").arg(first).arg(last)));
    QCOMPARE(loadModel(o.runDir).meta["step"].get<int64_t>(), int64_t(50));
  }

  void nanGuardSkipsAndRestores() {
    auto o = options(path("run-nan"), 12);
    o.logEvery = 4, o.checkpointEvery = 4, o.maxBadSteps = 1, o.injectNanAtStep = 6;
    std::vector<nlohmann::json> events;
    auto data = tinyImages(8);
    auto summary = train(tinyTrainConfig(), data, nullptr, o, nullptr, [&](const nlohmann::json& j) {
      if (j.contains("event")) events.push_back(j);
    });
    QVERIFY(!summary.diverged);
    QCOMPARE(summary.step, int64_t(12));
    bool bad = false, restored = false;
    for (const auto& e : events) {
      bad = bad || e["event"] == "bad_step";
      restored = restored || (e["event"] == "restored" && e["restored_step"] == 4);
    }
    QVERIFY(bad && restored);
    QVERIFY(std::isfinite(summary.lastTrainBpd));
  }

  void thePauseOnABadStepEndsTheRunWithACheckpoint() {
    auto o = options(path("run-pause"), 20);
    o.injectNanAtStep = 7, o.pauseOnBadStep = true;
    auto data = tinyImages(8);
    auto summary = train(tinyTrainConfig(), data, nullptr, o);
    QVERIFY(summary.pausedOnBadStep);
    QVERIFY(summary.badStepMessage.find("non-finite") != std::string::npos);
    QCOMPARE(summary.step, int64_t(8));  // the bad step is skipped, and the run stops after it
    QCOMPARE(readCheckpoint(newestCheckpoint(o.runDir)).meta["step"].get<int64_t>(), int64_t(8));
  }

  void resumeReproducesAnUninterruptedRun_data() {
    QTest::addColumn<int>("stopAt");
    QTest::newRow("at a checkpoint") << 10;
    QTest::newRow("between two log lines (step 13)") << 13;
  }
  void resumeReproducesAnUninterruptedRun() {
    QFETCH(int, stopAt);
    auto data = tinyImages(16);
    const auto tag = std::to_string(stopAt);
    train(tinyTrainConfig(), data, nullptr, options(path(QString::fromStdString("straight-" + tag)), 20));
    auto o = options(path(QString::fromStdString("resumed-" + tag)), stopAt);
    train(tinyTrainConfig(), data, nullptr, o);
    o.steps = 20, o.resume = true;
    train(tinyTrainConfig(), data, nullptr, o);
    QVERIFY2(identical(rawWeights(QString::fromStdString(path(QString::fromStdString("straight-" + tag)))), rawWeights(QString::fromStdString(o.runDir))), "weights differ after resume");
    const auto a = metricsOf(path(QString::fromStdString("straight-" + tag))), b = metricsOf(o.runDir);
    QCOMPARE(a.size(), b.size());
    for (size_t i = 0; i < a.size(); ++i) QVERIFY2(a[i] == b[i], qPrintable(QString::fromStdString(a[i].dump() + " vs " + b[i].dump())));
  }

  void aNewRunIntoAUsedFolderChangesNothing() {
    auto data = tinyImages(8);
    const auto dir = path("used");
    train(tinyTrainConfig(), data, nullptr, options(dir, 10));
    const auto before = snapshot(dir);
    try {
      train(tinyTrainConfig(), data, nullptr, options(dir, 5));
      QFAIL("a new run started in a folder that holds a run");
    } catch (const RunFolderError& e) {
      QVERIFY2(QString(e.what()).contains("already holds a run"), e.what());
    }
    QVERIFY(snapshot(dir) == before);
    QCOMPARE(freshRunFolder(dir), dir + "-2");
  }

  void pruningKeepsTheNewestAndOnlyThisRunsOlderCheckpoints() {
    auto data = tinyImages(8);
    auto o = options(path("prune"), 50);
    o.keepCheckpoints = 1;
    train(tinyTrainConfig(), data, nullptr, o);
    std::vector<std::string> names;
    for (const auto& e : fs::directory_iterator(o.runDir + "/checkpoints")) names.push_back(e.path().filename().string());
    QCOMPARE(names.size(), size_t(1));
    QCOMPARE(names[0], std::string("ckpt-000000050.fpp"));
    o.keepCheckpoints = 0;  // the option refuses what would delete every checkpoint
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, validateTrainOptions(o));
  }

  void aSecondWriterIsRefused() {
    const auto dir = path("locked");
    RunFolder first(dir, false);
    std::ofstream(dir + "/checkpoints/ckpt-000000010.fpp") << "a checkpoint";
    try {
      RunFolder second(dir, true);
      QFAIL("two writers in one run folder");
    } catch (const RunFolderError& e) {
      QVERIFY2(QString(e.what()).contains("in use by another training process"), e.what());
    }
  }

  void staleTempFilesOfAKilledWriterAreCleaned() {
    auto data = tinyImages(8);
    auto o = options(path("stale"), 10);
    train(tinyTrainConfig(), data, nullptr, o);
    std::ofstream(o.runDir + "/checkpoints/ckpt-000000020.fpp.tmp.12345") << "half a checkpoint";
    std::ofstream(o.runDir + "/metrics.jsonl.tmp.12345") << "half";
    o.steps = 12, o.resume = true;
    train(tinyTrainConfig(), data, nullptr, o);
    for (const auto& e : fs::recursive_directory_iterator(o.runDir))
      QVERIFY2(e.path().string().find(".tmp.") == std::string::npos, e.path().c_str());
  }

  void initFromStartsANewRunFromTrainedWeights() {
    auto data = tinyImages(8);
    train(tinyTrainConfig(), data, nullptr, options(path("base"), 10));
    auto o = options(path("finetune"), 1);
    o.initFrom = newestCheckpoint(path("base"));
    auto summary = train(tinyTrainConfig(), data, nullptr, o);
    QCOMPARE(summary.step, int64_t(1));
    // The fine-tuned run starts where the base run's EMA weights were: its first loss is far below
    // a fresh model's.
    auto fresh = options(path("fresh"), 1);
    const double fromScratch = train(tinyTrainConfig(), data, nullptr, fresh).lastTrainBpd;
    QVERIFY2(summary.lastTrainBpd < fromScratch, qPrintable(QString("%1 vs %2").arg(summary.lastTrainBpd).arg(fromScratch)));
  }

  void optionsAreValidated() {
    auto o = options(path("never"), 10);
    o.minutes = std::nan("");
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, validateTrainOptions(o));
    o = options(path("never"), 0);
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, validateTrainOptions(o));  // no budget
    o = options(path("never"), 10);
    o.logEvery = 0;
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, validateTrainOptions(o));
  }
};

FLOWPP_TEST_GUILESS_MAIN(TestTrainer)
#include "test_trainer.moc"
