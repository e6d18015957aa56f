// Studio responsiveness, measured (not a test: timings belong to measurements, not assertions).
// Offscreen, on the bundled model: the time from creating the window to the first samples; then,
// for each kind of long job (the data set's bits/dim histogram, a K = 16000 bound, compressing the
// data set, the latent directions), the longest wait of eight interactive sample requests made
// while it runs, and the time from cancelling it to the session reporting it cancelled. Prints one
// JSON line.
#include <QApplication>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QSignalSpy>
#include <QSlider>
#include <QTest>

#include <algorithm>
#include <cstdio>
#include <functional>
#include <string>

#include "MainWindow.h"
#include "ModelSession.h"
#include "SamplesPanel.h"
#include "util/Runtime.h"

using namespace flowpp::ui;

namespace {
struct LongJob {
  const char* name;
  JobKind kind;
  std::function<void()> start;
};

bool sawState(const QSignalSpy& states, JobKind kind, JobState state) {
  for (const auto& s : states)
    if (s.at(0).value<JobKind>() == kind && s.at(1).value<JobState>() == state) return true;
  return false;
}

// One long job: started, eight temperature changes timed while it runs, then cancelled.
std::string measure(MainWindow& w, QSignalSpy& shown, const LongJob& job) {
  QSignalSpy states(w.session(), &ModelSession::jobState);
  job.start();
  if (!QTest::qWaitFor([&] { return sawState(states, job.kind, JobState::Running); }, 30000)) return "{\"error\":\"never ran\"}";
  qint64 longest = 0;
  for (int i = 0; i < 8; ++i) {
    const int before = shown.count();
    QElapsedTimer t;
    t.start();
    w.samplesPanel()->temperatureSlider()->setValue(40 + 5 * i);
    if (!QTest::qWaitFor([&] { return shown.count() > before; }, 60000)) return "{\"error\":\"no samples\"}";
    longest = std::max(longest, t.elapsed());
  }
  const bool ranThrough = sawState(states, job.kind, JobState::Finished);
  QElapsedTimer cancel;
  cancel.start();
  w.session()->cancel(job.kind);
  const bool ended = QTest::qWaitFor([&] {
    return sawState(states, job.kind, JobState::Cancelled) || sawState(states, job.kind, JobState::Finished) ||
           sawState(states, job.kind, JobState::Failed);
  }, 120000);
  char line[256];
  std::snprintf(line, sizeof line, "{\"longest_sample_wait_ms\":%lld,\"cancel_ms\":%lld,\"ended\":\"%s\"}", static_cast<long long>(longest),
                static_cast<long long>(cancel.elapsed()),
                ranThrough ? "finished before the cancel" : !ended ? "still running" : sawState(states, job.kind, JobState::Cancelled) ? "cancelled" : "finished");
  return line;
}
}  // namespace

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
  QImage grey(28, 28, QImage::Format_Grayscale8);
  grey.fill(90);
  const QString archive = QDir::temp().filePath("studio_timing.fppz");
  const LongJob jobs[] = {
      {"histogram_2000", JobKind::Reference, [&] { w.session()->requestReferenceHistogram(2000); }},
      {"bound_k16000", JobKind::LikelihoodBound, [&] { w.session()->requestLikelihood({grey, 16000, 2}); }},
      {"compress_dataset", JobKind::Compression, [&] { w.session()->compressDataset(archive); }},
      {"latent_directions", JobKind::LatentDirections, [&] { w.session()->requestLatentDirections(); }},
  };
  std::string out = "{\"first_samples_ms\":" + std::to_string(firstSamplesMs);
  for (const auto& job : jobs) out += std::string(",\"") + job.name + "\":" + measure(w, shown, job);
  QFile::remove(archive);
  std::printf("%s}\n", out.c_str());
  return 0;
}
