// The studio, offscreen, each test on its own window: live sampling (latest request wins), and every
// panel's result against the core's own result for the same request — samples, interpolation,
// the likelihood map and breakdown, the dequantization view; error paths that change nothing and
// errors that stay readable. How the studio presents itself (fit, presentation mode, exports,
// screenshots) is in test_studio_layout.
#include <QApplication>
#include <QDir>
#include <QMouseEvent>
#include <QSignalSpy>
#include <QSlider>
#include <QSpinBox>
#include <QStatusBar>
#include <QTabWidget>
#include <QTemporaryDir>
#include <QtTest>

#include "../TestMain.h"
#include "CurveChart.h"
#include "DequantPanel.h"
#include "ImageGrid.h"
#include "InterpolationPanel.h"
#include "LikelihoodPanel.h"
#include "MessageBar.h"
#include "PixelsImage.h"
#include "PlaygroundPanel.h"
#include "LayersPanel.h"
#include "explore/LayerView.h"
#include "CompressionPanel.h"
#include "CurveChart.h"
#include "Dequant1DPanel.h"
#include "DirectionsPanel.h"
#include "PixelView.h"
#include "codec/Compressor.h"
#include "codec/ImageCodeLengths.h"
#include "DrawCanvas.h"
#include "StudioFixture.h"
#include "TrainingPanel.h"
#include "data/ImageIo.h"
#include "explore/DequantStats.h"
#include "explore/Interpolation.h"
#include "explore/PixelLikelihood.h"
#include "explore/SampleGrid.h"
#include "train/Trainer.h"

using namespace flowpp;
using namespace flowpp::ui;
using namespace flowpp::test;

namespace {
bool samePixels(const std::vector<Pixels8>& a, const std::vector<Pixels8>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (a[i].data != b[i].data) return false;
  return true;
}

torch::Tensor image8(const QImage& image) { return fromPixels(toPixels8(image)); }

double maxDifference(const std::vector<double>& a, const std::vector<double>& b) {
  if (a.size() != b.size()) return INFINITY;
  double m = 0;
  for (size_t i = 0; i < a.size(); ++i) m = std::max(m, std::abs(a[i] - b[i]));
  return m;
}
}  // namespace

class TestStudio : public QObject {
  Q_OBJECT
  QTemporaryDir dir_;

 private Q_SLOTS:
  void samplesMatchTheCoreAndTheSliderResamples() {
    auto w = openStudio();
    QVERIFY(w);
    auto* panel = w->samplesPanel();
    QSignalSpy shown(panel, &SamplesPanel::samplesShown);
    panel->temperatureSlider()->setValue(50);
    QTRY_VERIFY_WITH_TIMEOUT(panel->lastResult().temperature == 0.5 && panel->lastResult().count == 16, 60000);
    auto model = bundledModel();
    const auto core = sampleReport(model.model, 16, 0.5, panel->lastResult().seed);
    QVERIFY2(samePixels(panel->lastResult().images, core.images), "the studio's samples differ from the core's");
    QVERIFY(maxDifference(panel->lastResult().bitsPerDim, core.bitsPerDim) < 1e-9);
    QVERIFY(panel->zoomCaption().contains("T = 0.50"));  // the caption follows the new temperature
    panel->temperatureSlider()->setValue(90);
    QTRY_VERIFY_WITH_TIMEOUT(panel->lastResult().temperature == 0.9, 60000);
    QVERIFY(!samePixels(core.images, panel->lastResult().images));
    panel->temperatureSlider()->setValue(50);
    QTRY_VERIFY_WITH_TIMEOUT(panel->lastResult().temperature == 0.5, 60000);
    QVERIFY(samePixels(core.images, panel->lastResult().images));  // same seed, same temperature, same images
  }

  void rapidSliderMovesEndWithTheLastValue() {
    auto w = openStudio();
    QVERIFY(w);
    auto* panel = w->samplesPanel();
    QSignalSpy shown(panel, &SamplesPanel::samplesShown);
    // While a request is still in flight the status line says so (an older request's end must not
    // clear it); it clears once the last one has ended.
    int stillWaitingShownEmpty = 0;
    connect(panel, &SamplesPanel::samplesShown, this, [&] {
      if (panel->requestsInFlight() > 0 && panel->stateText().isEmpty()) ++stillWaitingShownEmpty;
    });
    for (int v = 10; v <= 100; v += 10) panel->temperatureSlider()->setValue(v);  // ten requests at once
    QTRY_COMPARE_WITH_TIMEOUT(panel->requestsInFlight(), 0, 60000);  // every request has ended: nothing more can arrive
    QCOMPARE(panel->lastResult().temperature, 1.0);
    QVERIFY(panel->stateText().isEmpty());
    QCOMPARE(stillWaitingShownEmpty, 0);
    QVERIFY2(shown.count() < 10, qPrintable(QString("%1 results for 10 moves: superseded requests were not dropped").arg(shown.count())));
  }

  // A user's own colour data: 48 patches of 32x32 cut from the photographs in opencv-doc, a tiny
  // 3x32x32 config trained a few steps with the project's trainer, and the studio on that model:
  // samples, the likelihood view (the image in colour under its heatmap) and interpolation all in colour.
  void aColourModelWorksInTheStudio() {
    const QString photos = "/usr/share/doc/opencv-doc/examples/data";
    if (!QFile::exists(photos + "/fruits.jpg")) QSKIP("opencv-doc's photographs are not installed");
    const QString folder = dir_.filePath("colour-patches");
    QDir().mkpath(folder);
    int n = 0;
    for (const char* name : {"fruits.jpg", "baboon.jpg", "butterfly.jpg", "orange.jpg"}) {
      auto photo = readImage((photos + "/" + name).toStdString()).image.to(torch::kFloat);
      photo = torch::avg_pool2d(photo.unsqueeze(0), 4).squeeze(0).round().to(torch::kUInt8);  // patches with some structure
      for (int y = 0; y + 32 <= photo.size(1) && n < 48; y += 32)
        for (int x = 0; x + 32 <= photo.size(2) && n < 48; x += 32)
          writePng(QString("%1/%2.png").arg(folder).arg(n++, 3, 10, QChar('0')).toStdString(), photo.narrow(1, y, 32).narrow(2, x, 32));
    }
    QCOMPARE(n, 48);
    auto config = ModelConfig::load(std::string(FLOWPP_SOURCE_DIR) + "/models/fmnist-tiny.json");
    config.name = "colour-patches", config.channels = 3, config.height = 32, config.width = 32;
    TrainOptions o;
    o.runDir = dir_.filePath("colour-run").toStdString();
    o.steps = 4, o.logEvery = 1, o.evalEvery = 0, o.checkpointEvery = 4;
    const auto data = loadDataset(folder.toStdString());
    QCOMPARE(data.images.size(1), int64_t(3));
    train(config, data, nullptr, o);

    auto w = openStudio({1200, 800}, QString::fromStdString(o.runDir));
    QVERIFY2(w, "the studio did not open the colour model");
    QCOMPARE(w->session()->modelInfo().channels, 3);
    const auto& samples = w->samplesPanel()->lastResult().images;
    QVERIFY(!samples.empty() && samples.front().channels == 3);
    QVERIFY(!w->samplesPanel()->grid()->images().front().isGrayscale());

    QSignalSpy opened(w->session(), &ModelSession::datasetOpened);
    w->openDataset(folder);
    QTRY_COMPARE_WITH_TIMEOUT(opened.count(), 1, 60000);
    auto* likelihood = w->likelihoodPanel();
    QSignalSpy heat(likelihood, &LikelihoodPanel::likelihoodShown);
    likelihood->setImage(opened.first().at(1).value<QVector<QImage>>().at(5), "patch 5");
    QTRY_VERIFY_WITH_TIMEOUT(heat.count() >= 1, 60000);
    QCOMPARE(likelihood->lastResult().image.channels, 3);
    QCOMPARE(int(likelihood->lastResult().bits.size()), 32 * 32);
    QSignalSpy strip(w->interpolationPanel(), &InterpolationPanel::interpolationShown);
    QTRY_VERIFY_WITH_TIMEOUT(strip.count() >= 1 || !w->interpolationPanel()->lastResult().frames.empty(), 60000);
    QCOMPARE(w->interpolationPanel()->lastResult().frames.front().channels, 3);
    QCOMPARE(w->interpolationPanel()->lastResult().reconstructionErrorA, 0.0);  // exact round trip in colour too
    QVERIFY(saveScreenshot(*w, w->samplesPanel(), "colour-samples"));
    QVERIFY(saveScreenshot(*w, likelihood, "colour-likelihood"));
  }

  void interpolationMatchesTheCore() {
    auto w = openStudio();
    QVERIFY(w);
    QSignalSpy shown(w->interpolationPanel(), &InterpolationPanel::interpolationShown);
    const auto images = openFashion(*w, 200);
    QCOMPARE(images.size(), 200);
    QTRY_VERIFY_WITH_TIMEOUT(shown.count() >= 1, 60000);
    auto model = bundledModel();
    const auto core = interpolate(model.model, image8(images[0]), image8(images[1]), 9, false);
    const auto& r = w->interpolationPanel()->lastResult();
    QVERIFY(samePixels(r.frames, core.frames));
    QCOMPARE(r.reconstructionErrorA, core.reconstructionErrorA);
    QCOMPARE(r.reconstructionErrorB, core.reconstructionErrorB);
    QCOMPARE(r.reconstructionErrorA, 0.0);  // the ends are exact reconstructions
  }

  void likelihoodMapAndBreakdownMatchTheCore() {
    auto w = openStudio();
    QVERIFY(w);
    auto* panel = w->likelihoodPanel();
    auto model = bundledModel();
    const auto data = loadDataset(kFashionTest.toStdString(), 3);
    for (int i = 0; i < 3; ++i) {
      QSignalSpy shown(panel, &LikelihoodPanel::likelihoodShown);
      const QImage img = toQImage(toPixels(data.images[i]));
      panel->setImage(img, "test");
      QTRY_VERIFY_WITH_TIMEOUT(shown.count() >= 1, 60000);
      const auto core = likelihoodReport(model.model, image8(img), 8, 16, 0);
      const auto& r = panel->lastResult();
      QVERIFY2(maxDifference(r.bits, core.bits) < 1e-9, qPrintable(QString("the heatmap differs from the core's by %1 bits").arg(maxDifference(r.bits, core.bits))));
      QCOMPARE(r.breakdownBits.size(), core.breakdownBits.size());
      for (size_t t = 0; t < r.breakdownBits.size(); ++t) QVERIFY(std::abs(r.breakdownBits[t].second - core.breakdownBits[t].second) < 1e-9);
      QVERIFY(std::abs(r.bpdIw - core.bpdIw) < 1e-9 && std::abs(r.bpdElbo - core.bpdElbo) < 1e-9);
    }
  }

  // The value under the pointer and the data-set number follow the image shown: a new image
  // replaces the hovered value with its own, and an image from elsewhere clears the number.
  void hoverValueAndIndexFollowTheImage() {
    auto w = openStudio();
    QVERIFY(w);
    auto* panel = w->likelihoodPanel();
    const auto data = loadDataset(kFashionTest.toStdString(), 4);
    QVector<QImage> images;
    for (int64_t i = 0; i < data.size(); ++i) images << toQImage(toPixels(data.images[i]));
    QSignalSpy shown(panel, &LikelihoodPanel::likelihoodShown);
    panel->setDataset(images);
    panel->setImage(images[3], "data set #3", 3);
    QTRY_VERIFY_WITH_TIMEOUT(shown.count() >= 1 && toQImage(panel->lastResult().image) == images[3], 60000);
    QCOMPARE(panel->datasetIndex(), 3);
    const auto valueAt = [&](int x, int y) { return QString::number(panel->lastResult().bits[size_t(y) * 28 + x], 'f', 3); };
    Q_EMIT panel->heatView()->hovered(14, 10);
    QVERIFY2(panel->cursorText().endsWith(valueAt(14, 10) + " bits"), qPrintable(panel->cursorText()));
    const QString before = panel->cursorText();
    QImage other = images[1];
    other.invertPixels();
    panel->setImage(other, "an inverted shirt");
    QCOMPARE(panel->datasetIndex(), -1);
    QTRY_VERIFY_WITH_TIMEOUT(toQImage(panel->lastResult().image) == other, 60000);
    QVERIFY2(panel->cursorText().endsWith(valueAt(14, 10) + " bits") && panel->cursorText() != before, qPrintable(panel->cursorText()));
  }

  void dequantizationViewMatchesTheCore() {
    auto w = openStudio();
    QVERIFY(w);
    auto* panel = w->dequantPanel();
    QSignalSpy shown(panel, &DequantPanel::dequantShown);
    const auto data = loadDataset(kFashionTest.toStdString(), 1);
    const QImage img = toQImage(toPixels(data.images[0]));
    panel->setDataset({img});
    QTRY_VERIFY_WITH_TIMEOUT(shown.count() >= 1, 120000);
    auto model = bundledModel();
    const auto core = dequantStats(model.model, image8(img), 64, 6, 2);
    const auto& r = panel->lastResult();
    QCOMPARE(r.histogram, core.histogram);
    QVERIFY(maxDifference(r.meanU, core.meanU) < 1e-12 && maxDifference(r.iwBpd, core.iwBpd) < 1e-12);
    QVERIFY(r.variational);
  }

  // The Compression tab: its ledger and bound are the core's for the same image, its one-image file
  // decodes to the image; the data set compressed in the background decodes to the data set, and a
  // cancelled run writes nothing.
  void compressionViewMatchesTheCoreAndCompressesTheDataSet() {
    auto w = openStudio();
    QVERIFY(w);
    auto* panel = w->compressionPanel();
    QSignalSpy shown(panel, &CompressionPanel::codeLengthsShown);
    const auto data = loadDataset(kFashionTest.toStdString(), 40);
    QVector<QImage> images;
    for (int64_t i = 0; i < data.size(); ++i) images << toQImage(toPixels(data.images[i]));
    panel->setDataset(images);
    QTRY_VERIFY_WITH_TIMEOUT(shown.count() >= 1, 120000);
    auto model = bundledModel();
    const auto core = codec::imageCodeLengths(model.model, data.images[0].to(torch::kLong));
    const auto& r = panel->lastResult();
    QCOMPARE(r.dims, core.dims);
    QVERIFY2(std::abs(r.netBits - core.ledger.net()) < 1.0 && std::abs(r.boundBits - core.boundBits) < 0.1,
             qPrintable(QString("studio %1 / %2, core %3 / %4").arg(r.netBits).arg(r.boundBits).arg(core.ledger.net()).arg(core.boundBits)));
    // The two maps are the core's per-pixel bits of the same image, one value per pixel.
    QCOMPARE(int(r.codedBits.size()), int(data.images[0].numel()));
    QCOMPARE(r.modelBits.size(), r.codedBits.size());
    const auto coreCoded = core.codedPixelBits.sum(0).flatten();
    for (int i : {0, 300, 783}) QVERIFY(std::abs(r.codedBits[size_t(i)] - coreCoded[i].item<double>()) < 0.05);
    const auto single = codec::decompressArchive(model.model, r.singleFile.toStdString(), "studio.fppz", {});
    QVERIFY(torch::equal(single.images[0], data.images[0]));

    // The data set: the session's copy of it is the one the tab's images came from.
    QSignalSpy opened(w->session(), &ModelSession::datasetOpened);
    w->session()->openDataset(kFashionTest, 40);
    QTRY_VERIFY_WITH_TIMEOUT(opened.count() >= 1, 60000);
    QSignalSpy finished(panel, &CompressionPanel::compressionShown);
    const QString path = dir_.filePath("studio-dataset.fppz");
    w->session()->compressDataset(path);
    QTRY_VERIFY_WITH_TIMEOUT(finished.count() >= 1, 300000);
    const auto report = finished.last().at(0).value<CompressionReport>();
    QVERIFY(!report.cancelled && report.verified && report.images == 40);
    QCOMPARE(QFileInfo(path).size(), report.bytes);
    QFile f(path);
    QVERIFY(f.open(QIODevice::ReadOnly));
    const auto back = codec::decompressArchive(model.model, f.readAll().toStdString(), "studio-dataset.fppz", {});
    QVERIFY(torch::equal(back.images, data.images));

    // Cancelled once it runs: the report says so and no file appears.
    const QString cancelled = dir_.filePath("cancelled.fppz");
    bool running = false;
    connect(w->session(), &ModelSession::jobState, this, [&](JobKind kind, JobState state, qint64 done, qint64) {
      if (kind == JobKind::Compression && state == JobState::Running && done > 0 && !running) {
        running = true;
        w->session()->cancel(JobKind::Compression);
      }
    });
    w->session()->compressDataset(cancelled);
    QTRY_VERIFY_WITH_TIMEOUT(finished.count() >= 2, 300000);
    QVERIFY(running);
    QVERIFY(finished.last().at(0).value<CompressionReport>().cancelled);
    QVERIFY(!QFileInfo::exists(cancelled));
  }

  // The Directions tab: directions computed in the background from the data set's labels, the
  // image moved live by the slider, and at 0 the very image back (the pixels of the data set).
  void directionsMoveTheImageAndZeroGivesItBack() {
    auto w = openStudio();
    QVERIFY(w);
    auto* p = w->directionsPanel();
    const auto images = openFashion(*w, 200);
    QCOMPARE(images.size(), 200);
    QSignalSpy shown(p, &DirectionsPanel::directionsShown), moved(p, &DirectionsPanel::moveShown);
    p->computeDirections();
    QTRY_VERIFY_WITH_TIMEOUT(shown.count() >= 1, 300000);
    QCOMPARE(p->directions().classes.size(), 10);
    QCOMPARE(p->directions().names.size(), 15);  // ten classes, five principal directions
    QTRY_VERIFY_WITH_TIMEOUT(moved.count() >= 1, 60000);
    QCOMPARE(p->lastMove().amount, 0.0);
    const auto original = toPixels8(images[0]);
    QVERIFY2(p->lastMove().image.data == original.data, "moving by 0 did not give the image back");
    p->amountSlider()->setValue(100);
    QTRY_VERIFY_WITH_TIMEOUT(p->lastMove().amount == 1.0, 60000);
    QVERIFY(p->lastMove().image.data != original.data);
    QVERIFY(p->lastMove().direction.startsWith("more "));
    QVERIFY(saveScreenshot(*w, p, "directions"));
  }

  // A fast stroke (one mouse move across the canvas) paints a line without gaps; Clear erases it.
  void aFastStrokeDrawsALineAndClearErasesIt() {
    DrawCanvas canvas;
    canvas.reset(28, 28);
    canvas.resize(280, 280);
    canvas.show();
    auto send = [&](QEvent::Type type, QPointF at, Qt::MouseButtons buttons) {
      QMouseEvent e(type, at, canvas.mapToGlobal(at), Qt::LeftButton, buttons, Qt::NoModifier);
      QApplication::sendEvent(&canvas, &e);
    };
    send(QEvent::MouseButtonPress, {15, 145}, Qt::LeftButton);
    send(QEvent::MouseMove, {265, 145}, Qt::LeftButton);
    send(QEvent::MouseButtonRelease, {265, 145}, Qt::NoButton);
    for (int x = 2; x <= 25; ++x) QVERIFY2(qGray(canvas.image().pixel(x, 14)) > 128, qPrintable(QString("gap at x = %1").arg(x)));
    QSignalSpy drawn(&canvas, &DrawCanvas::drawn);
    canvas.clear();
    QCOMPARE(drawn.count(), 1);
    for (int y = 0; y < 28; ++y)
      for (int x = 0; x < 28; ++x) QCOMPARE(qGray(canvas.image().pixel(x, y)), 0);
    // A wide canvas shows the image square and centred (280 x 280 from x = 140): a vertical stroke
    // through its middle paints image column 14 from row 2 to row 25, nothing stretched.
    canvas.resize(560, 280);
    send(QEvent::MouseButtonPress, {285, 25}, Qt::LeftButton);
    send(QEvent::MouseMove, {285, 255}, Qt::LeftButton);
    send(QEvent::MouseButtonRelease, {285, 255}, Qt::NoButton);
    for (int y = 3; y <= 24; ++y) QVERIFY2(qGray(canvas.image().pixel(14, y)) > 128, qPrintable(QString("gap at y = %1").arg(y)));
    for (int y = 0; y < 28; ++y) QCOMPARE(qGray(canvas.image().pixel(2, y)), 0);
  }

  // Exported frames never sit beside older ones: they are replaced only when the user agreed, and
  // nothing else in the folder is touched.
  void exportedFramesReplaceOldOnesOnlyWhenAsked() {
    auto w = openStudio();
    QVERIFY(w);
    QSignalSpy shown(w->interpolationPanel(), &InterpolationPanel::interpolationShown);
    QCOMPARE(openFashion(*w, 20).size(), 20);
    QTRY_VERIFY_WITH_TIMEOUT(shown.count() >= 1, 60000);
    const QString out = dir_.filePath("frames");
    QDir().mkpath(out);
    for (const char* name : {"frame-000.png", "frame-042.png", "notes.txt"}) std::ofstream((out + "/" + name).toStdString()) << "old";
    const QString refused = w->interpolationPanel()->writeFrames(out, false);
    QVERIFY2(refused.contains("2 frame files"), qPrintable(refused));
    QCOMPARE(QFileInfo(out + "/frame-000.png").size(), qint64(3));  // untouched
    QCOMPARE(w->interpolationPanel()->writeFrames(out, true), QString());
    const auto frames = QDir(out).entryList({"frame-*.png"}, QDir::Files);
    QCOMPARE(frames.size(), w->interpolationPanel()->frames().size());
    QVERIFY(!frames.contains("frame-042.png"));
    QVERIFY(QFile::exists(out + "/notes.txt"));
    QVERIFY(!QImage(out + "/frame-000.png").isNull());
  }

  void aCorruptModelChangesNothingAndTheErrorStays() {
    auto w = openStudio();
    QVERIFY(w);
    const QString bad = dir_.filePath("bad.fpp");
    std::ofstream(bad.toStdString()) << "definitely not a checkpoint";
    const QString before = w->session()->modelInfo().path;
    QSignalSpy failed(w->session(), &ModelSession::modelFailed);
    w->openModel(bad);
    QTRY_COMPARE_WITH_TIMEOUT(failed.count(), 1, 30000);
    QVERIFY(failed.first().at(1).toString().contains("not a usable Flow++ checkpoint"));
    QCOMPARE(w->session()->modelInfo().path, before);
    // In the message bar, which keeps it until the user closes it (it used to be a status-bar message
    // that vanished after 15 s).
    QVERIFY(w->messageBar()->text().contains("bad.fpp") && w->messageBar()->text().contains("the previous model stays open"));
    QVERIFY(!w->statusBar()->currentMessage().contains("bad.fpp"));
    QSignalSpy shown(w->samplesPanel(), &SamplesPanel::samplesShown);
    w->samplesPanel()->seedBox()->setValue(7);  // the previous model still samples
    QTRY_VERIFY_WITH_TIMEOUT(shown.count() >= 1, 60000);

    const QString badImage = dir_.filePath("broken.png");
    std::ofstream(badImage.toStdString()) << "PNG? no";
    QVERIFY(!w->openImageFile(badImage));
    const QString message = w->messageBar()->text();
    QVERIFY2(message.contains("broken.png") && message.count("not a readable image") == 1, qPrintable(message));
  }

  void aBadModelAtStartUpOpensTheBundledOneAndSaysWhy() {
    const QString bad = dir_.filePath("truncated.fpp");
    {
      QFile src(MainWindow::bundledModelPath());
      QVERIFY(src.open(QIODevice::ReadOnly));
      QFile out(bad);
      QVERIFY(out.open(QIODevice::WriteOnly));
      out.write(src.read(src.size() / 2));
    }
    auto w = openStudio({1200, 800}, bad);
    QVERIFY2(w, "no model opened after a bad --model");
    QCOMPARE(QFileInfo(w->session()->modelInfo().path).canonicalFilePath(), QFileInfo(MainWindow::bundledModelPath()).canonicalFilePath());
    openFashion(*w, 10);  // opening a data set (its own message) must not replace it
    const QString message = w->messageBar()->text();
    QVERIFY2(message.contains("truncated.fpp") && message.contains("bundled model instead"), qPrintable(message));
  }

  // Alt+7 then Space starts the playground, and Space again pauses it: the page's keys work as
  // soon as it is shown from the keyboard.
  void spaceRunsThePlaygroundRightAfterAltSeven() {
    auto w = openStudio();
    QVERIFY(w);
    w->activateWindow();
    QVERIFY(QTest::qWaitForWindowActive(w.get()));
    auto* pg = w->playgroundPanel();
    QTest::keyClick(w.get(), Qt::Key_7, Qt::AltModifier);
    QTRY_VERIFY_WITH_TIMEOUT(pg->lastFrame().grid > 0, 30000);
    QVERIFY(QApplication::focusWidget() == pg || pg->isAncestorOf(QApplication::focusWidget()));
    QVERIFY(!pg->isRunning());
    QTest::keyClick(QApplication::focusWidget(), Qt::Key_Space);
    QVERIFY(pg->isRunning());
    QSignalSpy paused(pg, &PlaygroundPanel::paused);
    QTest::keyClick(QApplication::focusWidget(), Qt::Key_Space);
    QVERIFY(!pg->isRunning());
    QVERIFY(paused.wait(10000));
  }

  // The playground trains on its own thread while the GUI keeps drawing: frames arrive with growing
  // steps, Pause stops them, Reset starts again from step 0 with the same seed, a painted target is
  // accepted, and the 1-D dequantization fit shows learned noise closing the gap.
  void playgroundTrainsPausesAndResets() {
    auto w = openStudio();
    QVERIFY(w);
    auto* pg = w->playgroundPanel();
    QSignalSpy frames(pg, &PlaygroundPanel::frameShown);
    w->showPanel(pg);  // the experiment starts when its tab is first shown
    QTRY_VERIFY_WITH_TIMEOUT(pg->lastFrame().grid > 0, 30000);
    QCOMPARE(pg->lastFrame().step, int64_t(0));
    const double startNll = pg->lastFrame().mixture.testNll;
    pg->setRunning(true);
    QTRY_VERIFY_WITH_TIMEOUT(pg->lastFrame().step >= 100, 240000);  // ~90 s under the sanitizers
    // Paused: after the worker says so, only redraws send frames, and two of them show the same step.
    QSignalSpy pausedSignal(pg, &PlaygroundPanel::paused);
    pg->setRunning(false);
    QVERIFY(pausedSignal.wait(10000));
    int seen = frames.count();
    pg->redraw();
    QTRY_VERIFY_WITH_TIMEOUT(frames.count() > seen, 10000);
    const int64_t paused = pg->lastFrame().step;
    seen = frames.count();
    pg->redraw();
    QTRY_VERIFY_WITH_TIMEOUT(frames.count() > seen, 10000);
    QCOMPARE(pg->lastFrame().step, paused);
    QVERIFY2(pg->lastFrame().mixture.nll.back() < startNll, "training did not lower the NLL");
    pg->stepOnce();
    QTRY_VERIFY_WITH_TIMEOUT(pg->lastFrame().step > paused, 10000);
    pg->resetLab();
    QTRY_COMPARE_WITH_TIMEOUT(pg->lastFrame().step, int64_t(0), 10000);
    QCOMPARE(pg->lastFrame().mixture.testNll, startNll);  // same seed, same fresh flows
    const QString painted = dir_.filePath("blob.png");
    QImage blob(32, 32, QImage::Format_Grayscale8);
    blob.fill(0);
    for (int y = 8; y < 24; ++y)
      for (int x = 4; x < 12; ++x) blob.setPixel(x, y, qRgb(255, 255, 255));
    QVERIFY(blob.save(painted));
    QTRY_VERIFY_WITH_TIMEOUT(pg->lastFrame().step == 0, 10000);
    const int before = frames.count();
    pg->loadTargetImage(painted);
    QVERIFY(pg->options().target.kind == ToyTargetKind::Painted);
    QTRY_VERIFY_WITH_TIMEOUT(frames.count() > before, 10000);
    // Everything the target put on the grid is on the left half, where the blob is.
    const auto& d = pg->lastFrame().targetDensity;
    const int g = pg->lastFrame().grid;
    double left = 0, total = 0;
    for (int i = 0; i < g * g; ++i) total += d[i], left += (i % g < g / 2) ? d[i] : 0;
    QVERIFY(left / total > 0.99);

    auto* dq = w->dequant1dPanel();
    QSignalSpy shown(dq, &Dequant1DPanel::reportShown);
    dq->fit();
    QTRY_COMPARE_WITH_TIMEOUT(shown.count(), 1, 120000);
    const auto& r = dq->lastReport();
    QVERIFY(!r.cancelled);
    QVERIFY(r.variational.gapBits() < r.uniform.gapBits());
  }

  // The layers view draws the core's own report: the same layers and bits for the selected sample,
  // and a decoded sample's inverse pass.
  void layersViewMatchesTheCore() {
    auto w = openStudio();
    QVERIFY(w);
    auto* panel = w->layersPanel();
    QSignalSpy shown(panel, &LayersPanel::layersShown);
    const QImage image = w->samplesPanel()->selectedImage();
    QVERIFY(!image.isNull());
    panel->setImage(image);
    QTRY_VERIFY_WITH_TIMEOUT(shown.count() >= 1 && !panel->lastResult().inverse, 60000);
    auto model = bundledModel();
    const auto core = layersReport(model.model, image8(image), 0);
    const auto& r = panel->lastResult();
    QCOMPARE(r.layers.size(), core.layers.size());
    for (size_t i = 0; i < r.layers.size(); ++i) {
      QCOMPARE(r.layers[i].name, core.layers[i].name);
      QVERIFY(maxDifference(r.layers[i].bits, core.layers[i].bits) < 1e-9);
    }
    QVERIFY(std::abs(r.totalBits - core.totalBits) < 1e-9);
    panel->showSample(0.8, 5);
    QTRY_VERIFY_WITH_TIMEOUT(panel->lastResult().inverse, 60000);
    const auto inverse = sampleLayersReport(model.model, 0.8, 5);
    QCOMPARE(panel->lastResult().image.data, inverse.image.data);
  }

};

FLOWPP_TEST_MAIN(TestStudio)
#include "test_studio.moc"
