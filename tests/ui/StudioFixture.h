#pragma once
// A studio window for one test: fresh settings, the bundled model open, the first samples shown.
// Every studio test makes its own, so it stands alone in any order; and it compares what the panels
// show with what the core computes for the same request, never with its own arithmetic.
#include <QDir>
#include <QSettings>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QtTest>

#include <fstream>
#include <memory>

#include "MainWindow.h"
#include "SamplesPanel.h"
#include "data/Dataset.h"
#include "model/Checkpoint.h"

namespace flowpp::test {

inline const QString kFashionTest = "/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz";

inline std::unique_ptr<ui::MainWindow> openStudio(const QSize& size = {1200, 800}, const QString& model = {}) {
  QStandardPaths::setTestModeEnabled(true);
  qputenv("FLOWPP_NO_DIALOGS", "1");
  QSettings().clear();
  auto w = std::make_unique<ui::MainWindow>();
  w->resize(size);
  w->show();
  QSignalSpy shown(w->samplesPanel(), &ui::SamplesPanel::samplesShown);
  w->openStartupModel(model.isEmpty() ? ui::MainWindow::bundledModelPath() : model);
  if (!QTest::qWaitFor([&] { return shown.count() >= 1 && w->session()->hasModel(); }, 120000)) return nullptr;
  return w;
}

// Opens the first `limit` Fashion-MNIST test images in the studio's session; empty if they never arrive.
inline QVector<QImage> openFashion(ui::MainWindow& w, int limit) {
  QSignalSpy data(w.session(), &ui::ModelSession::datasetOpened);
  w.session()->openDataset(kFashionTest, limit);
  if (!QTest::qWaitFor([&] { return data.count() >= 1; }, 60000)) return {};
  return data.first().at(1).value<QVector<QImage>>();
}

inline LoadedModel bundledModel() {
  auto loaded = loadModel(ui::MainWindow::bundledModelPath().toStdString());
  loaded.model->eval();
  return loaded;
}

// The resident set of this process, in MiB.
inline double residentMib() {
  std::ifstream in("/proc/self/statm");
  long pages = 0, resident = 0;
  in >> pages >> resident;
  return resident * 4096.0 / (1024 * 1024);
}

// Brings `panel`'s tab to the front, lays it out and saves the window as build/screenshots/NAME.png.
inline bool saveScreenshot(ui::MainWindow& w, QWidget* panel, const QString& name) {
  w.showPanel(panel);
  QCoreApplication::sendPostedEvents();  // the layout of the page just shown
  QCoreApplication::processEvents();
  QDir().mkpath(QString(FLOWPP_BINARY_DIR) + "/screenshots");
  return w.grab().save(QString(FLOWPP_BINARY_DIR) + "/screenshots/" + name + ".png");
}

}  // namespace flowpp::test
