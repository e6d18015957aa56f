// How the studio presents itself, offscreen: every page fits the default 1100x720 window (and the
// screenshots of every tab at 1100x720 and 800x560 that go with it), presentation mode, exported
// figures with their colour bar and caption, and the model described in plain words.
#include <QApplication>
#include <QDir>
#include <QScrollArea>
#include <QScrollBar>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtCharts/QLegendMarker>
#include <QtCharts/QLineSeries>
#include <QtTest>

#include "../TestMain.h"
#include "CompressionPanel.h"
#include "CurveChart.h"
#include "DequantPanel.h"
#include "DirectionsPanel.h"
#include "ExplainBox.h"
#include "ExportFigure.h"
#include "ImageGrid.h"
#include "InterpolationPanel.h"
#include "LayersPanel.h"
#include "LikelihoodPanel.h"
#include "ModelDescription.h"
#include "ModelSession.h"
#include "PixelsImage.h"
#include "PlaygroundPanel.h"
#include "SamplesPanel.h"
#include "StudioFixture.h"
#include "TrainingPanel.h"
#include "data/ImageIo.h"

using namespace flowpp;
using namespace flowpp::ui;
using namespace flowpp::test;

class TestStudioLayout : public QObject {
  Q_OBJECT

  // A screenshot of `panel`'s tab; at the default size (or larger) its page must not scroll.
  void screenshot(MainWindow& w, QWidget* panel, const QString& name) {
    QVERIFY(saveScreenshot(w, panel, name));
    QScrollArea* area = nullptr;
    for (QWidget* p = panel; p && !area; p = p->parentWidget()) area = qobject_cast<QScrollArea*>(p);
    QVERIFY(area);
    qInfo("%s: scrolls %d px down, %d px across", qPrintable(name), area->verticalScrollBar()->maximum(), area->horizontalScrollBar()->maximum());
    if (w.width() >= 1100 && w.height() >= 720)  // the default size: every page fits without scrolling
      QVERIFY2(area->verticalScrollBar()->maximum() == 0 && area->horizontalScrollBar()->maximum() == 0, qPrintable(name));
  }

 private Q_SLOTS:
  // View ▸ About this model: plain words drawn from the config (counted here from the bundled
  // config by hand: 4 + 2 + 3 couplings in 3 stages, K = 8), no training-log jargon.
  void modelDescriptionIsPlain() {
    auto w = openStudio();
    QVERIFY(w);
    const QString text = plainModelDescription(w->session()->modelInfo());
    for (const char* words : {"28×28 grey images", "256 levels", "784 numbers", "9 invertible coupling layers in 3 stages",
                              "mixture of 8 logistic curves", "variational dequantization", "self-attention in 1 of the 3 stages"})
      QVERIFY2(text.contains(QString::fromUtf8(words)), qPrintable(words + QString(" not in: ") + text));
    QVERIFY2(text.contains(QLocale().toString(w->session()->modelInfo().parameters)), qPrintable(text));
    QVERIFY2(!text.contains("leg ") && !text.contains("H200"), qPrintable(text));
  }

  // Presentation mode: text 1.5x, chart lines twice as thick (also on a chart made while it is on),
  // no explanation boxes; turning it off restores every size.
  void presentationModeEnlargesAndRestores() {
    auto w = openStudio();
    QVERIFY(w);
    auto* likelihood = w->likelihoodPanel();
    QTRY_VERIFY_WITH_TIMEOUT(!likelihood->lastResult().bits.empty(), 60000);
    const double text = w->font().pointSizeF(), title = likelihood->breakdownView()->chart()->titleFont().pointSizeF();
    auto* curves = w->trainingPanel()->chart();
    QLineSeries* line = nullptr;
    for (auto* s : curves->chart()->series())
      if (auto* l = qobject_cast<QLineSeries*>(s); l && !l->name().isEmpty()) line = l;
    QVERIFY(line);
    const double width = line->pen().widthF();
    w->setPresentationMode(true);
    QCOMPARE(w->font().pointSizeF(), 1.5 * text);
    QCOMPARE(likelihood->breakdownView()->chart()->titleFont().pointSizeF(), 1.5 * title);
    QCOMPARE(line->pen().widthF(), 2 * width);
    const auto visibleMarkers = [&] {  // one legend entry per run, none for the train points and smoothing
      int n = 0;
      for (auto* m : curves->chart()->legend()->markers()) n += m->isVisible();
      return n;
    };
    QTRY_COMPARE_WITH_TIMEOUT(visibleMarkers(), int(w->trainingPanel()->runs().size()), 5000);
    for (auto* box : w->findChildren<ExplainBox*>()) QVERIFY(box->isHidden());
    QSignalSpy shown(likelihood, &LikelihoodPanel::likelihoodShown);
    QImage black(28, 28, QImage::Format_Grayscale8);
    black.fill(0);
    likelihood->setImage(black, "black");  // a new breakdown chart
    QVERIFY(shown.wait(60000));
    w->resize(1600, 900);  // a projector's
    w->showPanel(likelihood);
    QCoreApplication::sendPostedEvents();  // the layout after the font change
    QCoreApplication::processEvents();
    QDir().mkpath(QString(FLOWPP_BINARY_DIR) + "/screenshots");
    QVERIFY(w->grab().save(QString(FLOWPP_BINARY_DIR) + "/screenshots/likelihood-presentation.png"));
    for (QWidget* p = likelihood; p; p = p->parentWidget())
      if (auto* area = qobject_cast<QScrollArea*>(p))
        qInfo("presentation at 1600x900: page minimum %dx%d, viewport %dx%d", area->widget()->minimumSizeHint().width(),
              area->widget()->minimumSizeHint().height(), area->viewport()->width(), area->viewport()->height());
    QCOMPARE(likelihood->breakdownView()->chart()->titleFont().pointSizeF(), 1.5 * title);
    w->setPresentationMode(false);
    QCOMPARE(w->font().pointSizeF(), text);
    QCOMPARE(likelihood->breakdownView()->chart()->titleFont().pointSizeF(), title);
    QCOMPARE(line->pen().widthF(), width);
    for (auto* box : w->findChildren<ExplainBox*>()) QVERIFY(!box->isHidden());
  }

  // An exported figure: the picture magnified pixel for pixel, the colour bar beside it (its top is
  // the scale's top colour), and the caption under them in the text's colour.
  void exportedFiguresCarryTheirScaleAndCaption() {
    QImage picture(4, 3, QImage::Format_RGB32);
    for (int y = 0; y < 3; ++y)
      for (int x = 0; x < 4; ++x) picture.setPixel(x, y, qRgb(40 * x, 60 * y, 200));
    const ColourScale scale{-1.5, 8.25, "bits/px", 2};
    const QImage fig = exportFigure(picture, "A caption", 8, &scale);
    QDir().mkpath(QString(FLOWPP_BINARY_DIR) + "/screenshots");
    QVERIFY(fig.save(QString(FLOWPP_BINARY_DIR) + "/screenshots/export-figure.png"));
    for (int y = 0; y < 3; ++y)
      for (int x = 0; x < 4; ++x) QCOMPARE(fig.pixel(8 + 8 * x + 4, 8 + 8 * y + 4), picture.pixel(x, y));
    bool barTop = false;  // the bar starts half a text line down; its first rows are the top colour
    for (int y = 8; y < 40 && !barTop; ++y) barTop = fig.pixel(8 + 32 + 8 + 5, y) == colourAt(1.0).rgb();
    QVERIFY2(barTop, "no colour bar beside the picture");
    int dark = 0;  // caption text under the picture
    for (int y = 8 + 80; y < fig.height(); ++y)
      for (int x = 0; x < fig.width(); ++x) dark += qGray(fig.pixel(x, y)) < 128;
    QVERIFY(dark > 20);
    QVERIFY(exportFigure(picture, QString("a long caption ").repeated(60), 8, &scale).height() > fig.height());  // it wraps
  }

  void screenshots_data() {
    QTest::addColumn<QSize>("size");
    QTest::newRow("1100x720") << QSize(1100, 720);
    QTest::newRow("800x560") << QSize(800, 560);
  }
  void screenshots() {
    QFETCH(QSize, size);
    auto w = openStudio(size);
    QVERIFY(w);
    QSignalSpy data(w->session(), &ModelSession::datasetOpened);
    w->openDataset(kFashionTest);
    QTRY_COMPARE_WITH_TIMEOUT(data.count(), 1, 60000);
    QTRY_VERIFY_WITH_TIMEOUT(!w->likelihoodPanel()->lastResult().bits.empty(), 60000);
    QTRY_VERIFY_WITH_TIMEOUT(!w->dequantPanel()->lastResult().histogram.empty(), 120000);
    w->samplesPanel()->grid()->imageClicked(0);
    const QString suffix = size.width() < 1000 ? "-800x560" : "-1100x720";
    screenshot(*w, w->samplesPanel(), "samples" + suffix);
    screenshot(*w, w->interpolationPanel(), "interpolation" + suffix);
    screenshot(*w, w->likelihoodPanel(), "likelihood" + suffix);
    screenshot(*w, w->dequantPanel(), "dequantization" + suffix);
    screenshot(*w, w->trainingPanel(), "training" + suffix);
    QVERIFY(w->trainingPanel()->chart()->exportImage().save(QString(FLOWPP_BINARY_DIR) + "/screenshots/training-chart-export" + suffix + ".png"));
    screenshot(*w, w->layersPanel(), "layers" + suffix);
    screenshot(*w, w->playgroundPanel(), "playground" + suffix);
    const QImage first = toQImage(toPixels(loadDataset(kFashionTest.toStdString(), 1).images[0]));
    QTRY_VERIFY_WITH_TIMEOUT(w->compressionPanel()->lastResult().image == first, 120000);
    screenshot(*w, w->compressionPanel(), "compression" + suffix);
    screenshot(*w, w->directionsPanel(), "directions" + suffix);
  }
};

FLOWPP_TEST_MAIN(TestStudioLayout)
#include "test_studio_layout.moc"
