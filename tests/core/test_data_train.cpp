// Data readers (good and corrupt inputs), the trainer (loss falls, NaN guard, exact resume),
// checkpoints, and encode/decode exactness on real Fashion-MNIST images with the bundled model.
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

#include "../TestMain.h"
#include "Helpers.h"

#include <filesystem>
#include <fstream>

#include "data/Dataset.h"
#include "data/ImageIo.h"
#include "explore/SelfCheck.h"
#include "model/Checkpoint.h"
#include "train/Trainer.h"

using namespace flowpp;

namespace {
const std::string kFashionTest = "/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz";

void writeBytes(const QString& path, const std::string& bytes) {
  std::ofstream(path.toStdString(), std::ios::binary) << bytes;
}

std::string idxBytes(int n, int rows, int cols, int truncateBy = 0) {
  std::string b = {0, 0, 8, 3};
  for (int v : {n, rows, cols}) b += {char(v >> 24), char(v >> 16), char(v >> 8), char(v)};
  for (int i = 0; i < n * rows * cols - truncateBy; ++i) b += char(i % 251);
  return b;
}

template <typename F>
QString errorOf(F&& f) {
  try {
    f();
  } catch (const std::exception& e) {
    return e.what();
  }
  return {};
}

std::vector<nlohmann::json> metricsOf(const std::string& runDir) {
  std::vector<nlohmann::json> rows;
  std::ifstream in(runDir + "/metrics.jsonl");
  std::string line;
  while (std::getline(in, line)) {
    auto j = nlohmann::json::parse(line);
    if (!j.contains("event")) rows.push_back(j);
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
}  // namespace

class TestDataTrain : public QObject {
  Q_OBJECT
  QTemporaryDir dir_;
  QString path(const QString& name) { return dir_.filePath(name); }

 private Q_SLOTS:
  void idxPlainAndGzip() {
    writeBytes(path("ok.idx"), idxBytes(5, 3, 4));
    auto d = loadDataset(path("ok.idx").toStdString());
    QCOMPARE(d.images.sizes(), (torch::IntArrayRef{5, 1, 3, 4}));
    QCOMPARE(d.images[0][0][0][1].item<int>(), 1);
    auto fm = loadDataset(kFashionTest, 100);
    QCOMPARE(fm.images.sizes(), (torch::IntArrayRef{100, 1, 28, 28}));
    QVERIFY(fm.images.max().item<int>() > 200);
  }

  void idxCorruptInputsNameTheFileAndProblem() {
    writeBytes(path("trunc.idx"), idxBytes(5, 3, 4, 7));
    QVERIFY(errorOf([&] { loadDataset(path("trunc.idx").toStdString()); }).contains("truncated"));
    std::string labels = {0, 0, 8, 1, 0, 0, 0, 1, 3};
    writeBytes(path("labels.idx"), labels);
    QVERIFY(errorOf([&] { readIdx(path("labels.idx").toStdString()); }).contains("label file"));
    writeBytes(path("bad.gz"), std::string("\x1f\x8b\x08\x00garbage", 12));
    auto e = errorOf([&] { loadDataset(path("bad.gz").toStdString()); });
    QVERIFY2(e.contains("bad.gz") && e.contains("gzip"), qPrintable(e));
    writeBytes(path("notes.txt"), "hello");
    QVERIFY(errorOf([&] { loadDataset(path("notes.txt").toStdString()); }).contains("unsupported data format"));
  }

  void cifarGoodAndCorrupt() {
    std::string rec(3073, char(7));
    rec[0] = 3;
    writeBytes(path("data_batch_1.bin"), rec + rec);
    auto d = loadDataset(path("data_batch_1.bin").toStdString());
    QCOMPARE(d.images.sizes(), (torch::IntArrayRef{2, 3, 32, 32}));
    writeBytes(path("short.bin"), rec.substr(0, 3000));
    QVERIFY(errorOf([&] { readCifar(path("short.bin").toStdString()); }).contains("3073"));
    rec[0] = 42;
    writeBytes(path("label.bin"), rec);
    QVERIFY(errorOf([&] { readCifar(path("label.bin").toStdString()); }).contains("label 42"));
  }

  void imageFolderGoodAndUnreadable() {
    QDir().mkpath(path("imgs"));
    RandomScope rng(401);
    auto a = test::randint(0, 255, {3, 10, 12}).to(torch::kUInt8);
    writePng(path("imgs/a.png").toStdString(), a);
    writePng(path("imgs/b.png").toStdString(), a);
    auto d = loadDataset(path("imgs").toStdString());
    QCOMPARE(d.images.sizes(), (torch::IntArrayRef{2, 3, 10, 12}));
    QVERIFY(torch::equal(d.images[0], a));
    auto converted = loadDataset(path("imgs").toStdString(), 0, ImageShape{1, 28, 28});
    QCOMPARE(converted.images.sizes(), (torch::IntArrayRef{2, 1, 28, 28}));
    writeBytes(path("imgs/c.png"), "not a png");
    QVERIFY(errorOf([&] { loadDataset(path("imgs").toStdString()); }).contains("c.png"));
    QVERIFY(errorOf([&] { requireShape(d, {1, 28, 28}); }).contains("model expects 1x28x28"));
  }

  void trainerLossFallsOnAFixedBatch() {
    TrainOptions o;
    o.runDir = path("run-fall").toStdString();
    o.steps = 50, o.logEvery = 10, o.evalEvery = 0, o.checkpointEvery = 1000;
    auto data = tinyImages(8);
    auto summary = train(tinyTrainConfig(), data, nullptr, o);
    QCOMPARE(summary.step, int64_t(50));
    auto rows = metricsOf(o.runDir);
    QVERIFY(rows.size() >= 5);
    const double first = rows.front()["train_bpd"], last = rows.back()["train_bpd"];
    QVERIFY2(last < first - 0.5, qPrintable(QString("train bpd %1 -> %2").arg(first).arg(last)));
    auto loaded = loadModel(o.runDir);
    QCOMPARE(loaded.meta["step"].get<int64_t>(), int64_t(50));
  }

  void nanGuardSkipsAndRestores() {
    TrainOptions o;
    o.runDir = path("run-nan").toStdString();
    o.steps = 12, o.logEvery = 4, o.evalEvery = 0, o.checkpointEvery = 4, o.maxBadSteps = 1;
    o.injectNanAtStep = 6;
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

  void resumeReproducesAnUninterruptedRun() {
    auto data = tinyImages(16);
    TrainOptions o;
    o.logEvery = 5, o.evalEvery = 0, o.checkpointEvery = 10, o.steps = 20;
    o.runDir = path("run-straight").toStdString();
    train(tinyTrainConfig(), data, nullptr, o);
    o.runDir = path("run-resumed").toStdString();
    o.steps = 10;
    train(tinyTrainConfig(), data, nullptr, o);
    o.steps = 20, o.resume = true;
    train(tinyTrainConfig(), data, nullptr, o);
    auto a = metricsOf(path("run-straight").toStdString()), b = metricsOf(path("run-resumed").toStdString());
    QCOMPARE(a.size(), b.size());
    for (size_t i = 0; i < a.size(); ++i) {
      QCOMPARE(a[i]["step"], b[i]["step"]);
      QVERIFY(std::abs(a[i]["train_bpd"].get<double>() - b[i]["train_bpd"].get<double>()) < 1e-5);
    }
  }

  void corruptCheckpointIsRejected() {
    writeBytes(path("bad.fpp"), "PK\x03\x04 truncated");
    auto e = errorOf([&] { loadModel(path("bad.fpp").toStdString()); });
    QVERIFY2(e.contains("bad.fpp") && e.contains("not a readable Flow++ checkpoint"), qPrintable(e));
  }

  void bundledModelEncodeDecodeIsExactOnFashionMnist() {
    auto loaded = loadModel(std::string(FLOWPP_SOURCE_DIR) + "/models/fmnist-small.fpp");
    auto data = loadDataset(kFashionTest, 32);
    auto x = quantize(data.images, loaded.model->config().nBits);
    auto r = loaded.model->decode(loaded.model->encode(x));
    QVERIFY(r.converged);
    QVERIFY(torch::equal(r.x, x));
  }

  void cliErrorPaths() {
    const QString flowpp = QString(FLOWPP_BINARY_DIR) + "/app/flowpp";
    auto run = [&](const QStringList& args) {
      QProcess p;
      p.start(flowpp, args);
      p.waitForFinished(120000);
      return std::make_pair(p.exitCode(), QString::fromUtf8(p.readAllStandardError()));
    };
    auto [code1, err1] = run({"sample", "--model", "/nonexistent.fpp", "--out", path("x.png")});
    QVERIFY(code1 != 0 && err1.contains("no such file"));
    auto [code2, err2] = run({"eval", "--model", path("bad.fpp"), "--data", QString::fromStdString(kFashionTest)});
    QVERIFY(code2 != 0 && err2.contains("not a readable Flow++ checkpoint"));
    auto [code3, err3] = run({"eval", "--model", QString(FLOWPP_SOURCE_DIR) + "/models/fmnist-small.fpp", "--data", path("notes.txt")});
    QVERIFY2(code3 != 0 && err3.contains("unsupported data format"), qPrintable(err3));
    auto [code4, err4] = run({"train", "--model", "x.json", "--data", "y", "--out", path("r")});
    QVERIFY(code4 != 0 && err4.contains("--minutes"));
    auto [code5, err5] = run({"frobnicate"});
    QVERIFY(code5 != 0);
    QVERIFY(!QFile::exists(path("x.png")));
  }
};

FLOWPP_TEST_GUILESS_MAIN(TestDataTrain)
#include "test_data_train.moc"
