// Studio responsiveness, measured (not a test: timings belong to measurements, not assertions).
// Offscreen, on the bundled model: the time from creating the window to the first samples; the wait
// of interactive sample requests while a long job (the data set's bits/dim histogram) runs; and the
// time from cancelling that job to the session reporting it cancelled. Prints one JSON line.
#include <QApplication>
#include <QElapsedTimer>
#include <QSignalSpy>
#include <QSlider>
#include <QTest>

#include <algorithm>
#include <cstdio>

#include "MainWindow.h"
#include "ModelSession.h"
#include "SamplesPanel.h"
#include "util/Runtime.h"

using namespace flowpp::ui;

int main(int argc, char** argv) {
  flowpp::configureRuntime();
  QApplication app(argc, argv);
  qputenv("FLOWPP_NO_DIALOGS", "1");
  QElapsedTimer clock;
  clock.start();
  MainWindow w;
  w.resize(1200, 800);
  w.show();
  QSignalSpy shown(w.samplesPanel(), &SamplesPanel::samplesShown);
  w.openStartupModel(MainWindow::bundledModelPath());
  if (!QTest::qWaitFor([&] { return shown.count() >= 1; }, 120000)) return 1;
  const qint64 firstSamplesMs = clock.elapsed();

  QSignalSpy data(w.session(), &ModelSession::datasetOpened);
  w.openDataset("/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz");
  if (!QTest::qWaitFor([&] { return data.count() >= 1; }, 60000)) return 1;
  QTest::qWait(3000);  // let the tabs' first work finish
  w.session()->requestReferenceHistogram(2000);
  QTest::qWait(1000);
  qint64 longestWaitMs = 0;
  for (int i = 0; i < 8; ++i) {  // temperature changes while the histogram runs
    const int before = shown.count();
    QElapsedTimer t;
    t.start();
    w.samplesPanel()->temperatureSlider()->setValue(40 + 5 * i);
    if (!QTest::qWaitFor([&] { return shown.count() > before; }, 60000)) return 1;
    longestWaitMs = std::max(longestWaitMs, t.elapsed());
  }
  QSignalSpy states(w.session(), &ModelSession::jobState);
  QElapsedTimer cancel;
  cancel.start();
  w.session()->cancel(JobKind::Reference);
  const bool cancelled = QTest::qWaitFor([&] {
    for (const auto& s : states)
      if (s.at(0).value<JobKind>() == JobKind::Reference && s.at(1).value<JobState>() == JobState::Cancelled) return true;
    return false;
  }, 60000);
  std::printf("{\"first_samples_ms\":%lld,\"longest_sample_wait_during_long_job_ms\":%lld,\"cancel_ms\":%lld,\"cancelled\":%s}\n",
              static_cast<long long>(firstSamplesMs), static_cast<long long>(longestWaitMs),
              static_cast<long long>(cancel.elapsed()), cancelled ? "true" : "false");
  return 0;
}
