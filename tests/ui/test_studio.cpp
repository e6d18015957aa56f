// The studio, offscreen: live sampling (latest request wins), interpolation end points, heatmaps
// and breakdowns that sum to the total, the dequantization view, error paths that change nothing,
// the training panel (train, pause, resume, load, ablations), and screenshots of every panel.
#include <QComboBox>
#include <QSignalSpy>
#include <QSlider>
#include <QSpinBox>
#include <QStandardPaths>
#include <QTabWidget>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QtTest>

#include "../TestMain.h"
#include "PixelsImage.h"
#include "model/Footprint.h"

#include <fstream>

#include "CurveChart.h"
#include "DequantPanel.h"
#include "ImageGrid.h"
#include "InterpolationPanel.h"
#include "LikelihoodPanel.h"
#include "MainWindow.h"
#include "SamplesPanel.h"
#include "TrainingForm.h"
#include "TrainingPanel.h"
#include "data/Dataset.h"
#include "model/FlowPlusPlus.h"

using namespace flowpp;
using namespace flowpp::ui;

namespace {
const QString kFashionTest = "/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz";
bool sameImages(const std::vector<Pixels8>& a, const std::vector<Pixels8>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (a[i].data != b[i].data) return false;
  return true;
}
}  // namespace

class TestStudio : public QObject {
  Q_OBJECT
  QTemporaryDir dir_;
  std::unique_ptr<MainWindow> w_;

  void screenshot(QWidget* panel, const QString& name) {
    w_->showPanel(panel);
    QTest::qWait(200);
    QDir().mkpath(QString(FLOWPP_BINARY_DIR) + "/screenshots");
    QVERIFY(w_->grab().save(QString(FLOWPP_BINARY_DIR) + "/screenshots/" + name + ".png"));
  }

 private Q_SLOTS:
  void initTestCase() {
    QStandardPaths::setTestModeEnabled(true);
    qputenv("FLOWPP_NO_DIALOGS", "1");
    QSettings().clear();
    w_ = std::make_unique<MainWindow>();
    w_->resize(1200, 800);
    w_->show();
    QSignalSpy opened(w_->session(), &ModelSession::modelOpened);
    QSignalSpy shown(w_->samplesPanel(), &SamplesPanel::samplesShown);
    w_->openModel(MainWindow::bundledModelPath());
    QTRY_COMPARE_WITH_TIMEOUT(opened.count(), 1, 60000);
    QTRY_VERIFY_WITH_TIMEOUT(shown.count() >= 1, 60000);
  }

  void temperatureSliderResamples() {
    auto* panel = w_->samplesPanel();
    QSignalSpy shown(panel, &SamplesPanel::samplesShown);
    panel->temperatureSlider()->setValue(50);
    QTRY_VERIFY_WITH_TIMEOUT(shown.count() >= 1 && panel->lastResult().temperature == 0.5, 60000);
    const auto atHalf = panel->lastResult().images;
    QCOMPARE(atHalf.size(), 16);
    panel->temperatureSlider()->setValue(90);
    QTRY_VERIFY_WITH_TIMEOUT(panel->lastResult().temperature == 0.9, 60000);
    QVERIFY(!sameImages(atHalf, panel->lastResult().images));
    panel->temperatureSlider()->setValue(50);
    QTRY_VERIFY_WITH_TIMEOUT(panel->lastResult().temperature == 0.5, 60000);
    QVERIFY(sameImages(atHalf, panel->lastResult().images));  // same seed, same temperature, same images
  }

  void rapidSliderMovesEndWithTheLastValue() {
    auto* panel = w_->samplesPanel();
    QSignalSpy shown(panel, &SamplesPanel::samplesShown);
    for (int v = 10; v <= 100; v += 10) panel->temperatureSlider()->setValue(v);  // ten requests at once
    QTRY_VERIFY_WITH_TIMEOUT(panel->lastResult().temperature == 1.0, 60000);
    QTest::qWait(1500);  // nothing older may arrive after the newest
    QCOMPARE(panel->lastResult().temperature, 1.0);
    QVERIFY2(shown.count() < 10, qPrintable(QString("%1 results for 10 moves: superseded requests were not dropped").arg(shown.count())));
  }

  void interpolationEndsAreExactReconstructions() {
    QSignalSpy data(w_->session(), &ModelSession::datasetOpened);
    QSignalSpy shown(w_->interpolationPanel(), &InterpolationPanel::interpolationShown);
    w_->session()->openDataset(kFashionTest, 200);
    QTRY_COMPARE_WITH_TIMEOUT(data.count(), 1, 60000);
    QTRY_VERIFY_WITH_TIMEOUT(shown.count() >= 1, 60000);
    const auto images = data.first().at(1).value<QVector<QImage>>();
    const auto& r = w_->interpolationPanel()->lastResult();
    QCOMPARE(r.reconstructionErrorA, 0.0);
    QCOMPARE(r.reconstructionErrorB, 0.0);
    QCOMPARE(toQImage(r.frames.front()).convertToFormat(QImage::Format_Grayscale8), images[0].convertToFormat(QImage::Format_Grayscale8));
    QCOMPARE(toQImage(r.frames.back()).convertToFormat(QImage::Format_Grayscale8), images[1].convertToFormat(QImage::Format_Grayscale8));
  }

  void heatmapAndBreakdownSumToTheTotal() {
    auto* panel = w_->likelihoodPanel();
    QSignalSpy shown(panel, &LikelihoodPanel::likelihoodShown);
    double iwSum = 0, elboSum = 0;
    for (int i = 0; i < 3; ++i) {
      const int before = shown.count();
      panel->setImage(w_->interpolationPanel()->frames().value(0), "test");
      if (i > 0) panel->setImage(LikelihoodPanel::mnistDigit(i).isNull() ? toQImage(panel->lastResult().image) : LikelihoodPanel::mnistDigit(i), "digit");
      QTRY_VERIFY_WITH_TIMEOUT(shown.count() > before, 60000);
      QTest::qWait(300);
      const auto& r = panel->lastResult();
      double mapSum = 0, termSum = 0;
      for (double b : r.bits) mapSum += b;
      for (const auto& t : r.breakdownBits) termSum += t.second;
      QVERIFY2(std::abs(mapSum - r.totalBits) <= 1e-3 * std::abs(r.totalBits), "heatmap does not sum to the total");
      QVERIFY2(std::abs(termSum - r.totalBits) <= 1e-3 * std::abs(r.totalBits), "breakdown does not sum to the total");
      QVERIFY(std::abs(r.totalBits / (28.0 * 28.0) - r.bpdMap) < 1e-9);
      iwSum += r.bpdIw, elboSum += r.bpdElbo;
    }
    QVERIFY2(iwSum <= elboSum, "importance-weighted bits/dim worse than the ELBO on average");
  }

  void dequantizationView() {
    auto* panel = w_->dequantPanel();
    QSignalSpy shown(panel, &DequantPanel::dequantShown);
    panel->setDataset({w_->interpolationPanel()->frames().value(0)});
    QTRY_VERIFY_WITH_TIMEOUT(shown.count() >= 1, 120000);
    const auto& r = panel->lastResult();
    QVERIFY(r.variational);
    QVERIFY(r.minU >= 0.0 && r.maxU < 1.0);
    QCOMPARE(r.histogramTotal, qint64(28 * 28 * 64));
    qint64 total = 0;
    for (auto c : r.histogram) total += c;
    QCOMPARE(total, r.histogramTotal);
    for (int i = 1; i < r.iwBpd.size(); ++i) QVERIFY(r.iwBpd[i] <= r.iwBpd[i - 1] + 1e-12);  // never worse as K grows
    QVERIFY(r.iwBpd.back() <= r.elboBpd + 1e-9);
  }

  void screenshots() {
    w_->samplesPanel()->grid()->imageClicked(0);
    screenshot(w_->samplesPanel(), "samples");
    screenshot(w_->interpolationPanel(), "interpolation");
    screenshot(w_->likelihoodPanel(), "likelihood");
    screenshot(w_->dequantPanel(), "dequantization");
    screenshot(w_->trainingPanel(), "training");
  }

  void unreadableInputsChangeNothing() {
    const QString bad = dir_.filePath("bad.fpp");
    std::ofstream(bad.toStdString()) << "definitely not a checkpoint";
    const QString before = w_->session()->modelInfo().path;
    QSignalSpy err(w_->session(), &ModelSession::error);
    w_->openModel(bad);
    QSignalSpy failed(w_->session(), &ModelSession::modelFailed);
    QTRY_COMPARE_WITH_TIMEOUT(failed.count(), 1, 30000);
    QVERIFY(failed.first().at(1).toString().contains("not a usable Flow++ checkpoint"));
    QCOMPARE(w_->session()->modelInfo().path, before);
    QSignalSpy shown(w_->samplesPanel(), &SamplesPanel::samplesShown);
    w_->samplesPanel()->seedBox()->setValue(7);  // the previous model still samples
    QTRY_VERIFY_WITH_TIMEOUT(shown.count() >= 1, 60000);

    const QString badImage = dir_.filePath("broken.png");
    std::ofstream(badImage.toStdString()) << "PNG? no";
    const auto lastBits = w_->likelihoodPanel()->lastResult().totalBits;
    QVERIFY(!w_->openImageFile(badImage));
    QVERIFY(w_->lastError().contains("not a readable image"));
    QTest::qWait(300);
    QCOMPARE(w_->likelihoodPanel()->lastResult().totalBits, lastBits);
  }

  void loadingRunsDrawsCurvesAndSkipsCorruptLines() {
    auto* panel = w_->trainingPanel();
    QVERIFY(panel->loadRun(QString(FLOWPP_MODELS_DIR) + "/ablations/fmnist-small").isEmpty());
    const QString runDir = dir_.filePath("corrupt-run");
    QDir().mkpath(runDir);
    std::ofstream(QDir(runDir).filePath("metrics.jsonl").toStdString())
        << "{\"step\":10,\"train_bpd\":5.0,\"epoch\":0.1,\"wall_seconds\":1}\n{broken json\n"
        << "{\"step\":20,\"train_bpd\":4.5,\"test_bpd\":4.6,\"epoch\":0.2,\"wall_seconds\":2}\n";
    const QString message = panel->loadRun(runDir);
    QVERIFY2(message.contains("skipped 1"), qPrintable(message));
    QVERIFY(!panel->loadRun(dir_.filePath("no-such-run")).isEmpty());
    panel->chart()->redraw();
    QVERIFY(panel->chart()->pointCount() > 0);
  }

  void ablationJobsDifferOnlyInTheAblatedPart() {
    auto jobs = w_->trainingPanel()->ablationJobs(dir_.filePath("abl"));
    QCOMPARE(jobs.size(), 4);
    const auto full = jobs[0].config;
    const double n = FlowPlusPlus(full)->parameterCount();
    for (const auto& job : jobs) QVERIFY(std::abs(FlowPlusPlus(job.config)->parameterCount() / n - 1) <= 0.02);
    for (const auto& job : jobs) QCOMPARE(parameterCount(job.config), FlowPlusPlus(job.config)->parameterCount());
    QCOMPARE(jobs[1].config.dequantizer.type, std::string("uniform"));
    QCOMPARE(jobs[1].config.flow.coupling, full.flow.coupling);
    QCOMPARE(jobs[2].config.flow.coupling, std::string("affine"));
    QCOMPARE(jobs[2].config.dequantizer.type, full.dequantizer.type);
    QCOMPARE(toString(jobs[3].config.flow.attentionOf(jobs[3].config.flow.stages.back())), std::string("pointwise"));
    QCOMPARE(jobs[3].config.flow.net.filters, full.flow.net.filters);
    QCOMPARE(jobs[3].config.dequantizer.type, full.dequantizer.type);
  }

  void trainPauseResume() {
    auto data = loadDataset(kFashionTest.toStdString(), 128);
    const QString idx = dir_.filePath("tiny-train.idx");
    {
      std::ofstream out(idx.toStdString(), std::ios::binary);
      const unsigned char header[16] = {0, 0, 8, 3, 0, 0, 0, 128, 0, 0, 0, 28, 0, 0, 0, 28};
      out.write(reinterpret_cast<const char*>(header), 16);
      out.write(reinterpret_cast<const char*>(data.images.data_ptr<uint8_t>()), data.images.numel());
    }
    auto* panel = w_->trainingPanel();
    panel->setTrainData(idx);
    panel->setRunFolder(dir_.filePath("tiny-run"));
    panel->setSteps(400);
    panel->form()->selectConfig("fmnist-tiny");
    QSignalSpy metrics(panel, &TrainingPanel::metricsArrived);
    QSignalSpy finished(panel, &TrainingPanel::runFinished);
    panel->start();
    auto run = [&]() -> const TrainingRun* {
      for (const auto& r : panel->runs())
        if (r.name == "tiny-run") return &r;
      return nullptr;
    };
    QTRY_VERIFY_WITH_TIMEOUT(run() && int(run()->points().size()) >= 3, 120000);  // the curve gains points
    panel->pause();
    QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 60000);
    const double pausedAt = run()->points().back().step;
    const int pointsAtPause = int(run()->points().size());
    QTest::qWait(1000);
    QCOMPARE(int(run()->points().size()), pointsAtPause);  // paused: no new points
    panel->resume();
    QTRY_VERIFY_WITH_TIMEOUT(int(run()->points().size()) > pointsAtPause, 120000);
    QCOMPARE(run()->points()[pointsAtPause].step, pausedAt + 1);  // continues from the same step
    panel->stop();
    QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 2, 60000);
  }

  void cleanupTestCase() { w_.reset(); }
};

FLOWPP_TEST_MAIN(TestStudio)
#include "test_studio.moc"
