// The model session's lifetime on its own (no window): destroying it while a model loads, while
// interactive and long jobs run, or before its workers have started anything, finishes or drops
// every job without touching freed state. Under AddressSanitizer (installer/test.sh --sanitize) a
// use after free here is a test failure.
#include <QSemaphore>
#include <QSignalSpy>
#include <QtTest>

#include <cmath>
#include <memory>

#include "../TestMain.h"
#include "MainWindow.h"
#include "ModelSession.h"

using namespace flowpp::ui;

class TestSession : public QObject {
  Q_OBJECT

  static QString bundled() { return MainWindow::bundledModelPath(); }

 private Q_SLOTS:
  // The interactive worker is loading (it said so) when the session goes: before the fix it then
  // posted the model's copy to a background worker that had already been destroyed. The worker is
  // held right after it says "running" until the test has seen the session loading, so a fast load
  // cannot finish first (it did once on CI); it is let go just before the session is destroyed.
  void destroyedWhileAModelLoads() {
    for (int round = 0; round < 5; ++round) {
      auto session = std::make_unique<ModelSession>();
      QSemaphore running, release;
      connect(session.get(), &ModelSession::jobState, session.get(), [&](JobKind kind, JobState state) {
        if (kind != JobKind::Model || state != JobState::Running) return;
        running.release();
        release.tryAcquire(1, 60000);
      }, Qt::DirectConnection);
      session->openModel(bundled());
      QVERIFY(running.tryAcquire(1, 60000));
      QVERIFY(session->isLoading());
      release.release();
      session.reset();
    }
  }

  void destroyedBeforeItsWorkersStart() {
    auto session = std::make_unique<ModelSession>();
    session->openModel(bundled());
    session->requestSamples({16, 1.0, 3});
    session.reset();
  }

  // K typed quickly: the job posted for "16" runs the newest request, K = 16000, which must go to the
  // background path. A sample request made then is answered while the bound is still being computed
  // (before the fix the bound ran on the interactive worker and samples waited ~2 minutes behind it).
  void aLargeKTypedQuicklyRunsInTheBackground() {
    auto session = std::make_unique<ModelSession>();
    QSignalSpy opened(session.get(), &ModelSession::modelOpened);
    session->openModel(bundled());
    QVERIFY(opened.wait(60000));
    QImage image(28, 28, QImage::Format_Grayscale8);
    image.fill(90);
    QSignalSpy likelihood(session.get(), &ModelSession::likelihoodReady);
    QSignalSpy bound(session.get(), &ModelSession::boundReady);
    QSignalSpy samples(session.get(), &ModelSession::samplesReady);
    // 64 samples keep the interactive worker busy while K is "typed", so the jobs queue behind them
    // and the first one to run takes the newest request.
    session->requestSamples({64, 1.0, 1});
    for (int k : {1, 16, 160, 1600, 16000}) session->requestLikelihood({image, k, 2});
    QVERIFY(likelihood.wait(60000));
    QCOMPARE(likelihood.last().at(1).value<flowpp::LikelihoodReport>().importanceSamples, 16000);
    QVERIFY2(std::isnan(likelihood.last().at(1).value<flowpp::LikelihoodReport>().bpdIw),
             "the large K's bound was computed on the interactive path");
    const int before = samples.count();
    session->requestSamples({16, 1.0, 3});
    QVERIFY(QTest::qWaitFor([&] { return samples.count() > before; }, 60000));
    QCOMPARE(bound.count(), 0);  // still running in the background
    session->cancel(JobKind::LikelihoodBound);
  }

  // A model open, then samples and a long histogram job in flight when the session goes.
  void destroyedWithJobsInFlight() {
    auto session = std::make_unique<ModelSession>();
    QSignalSpy opened(session.get(), &ModelSession::modelOpened);
    QSignalSpy data(session.get(), &ModelSession::datasetOpened);
    QSignalSpy states(session.get(), &ModelSession::jobState);
    session->openModel(bundled());
    QVERIFY(opened.wait(60000));
    session->openDataset("/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz", 500);
    QVERIFY(data.wait(60000));
    session->requestReferenceHistogram(500);
    QVERIFY(QTest::qWaitFor([&] {
      for (const auto& s : states)
        if (s.at(0).value<JobKind>() == JobKind::Reference && s.at(1).value<JobState>() == JobState::Running) return true;
      return false;
    }, 60000));
    for (int i = 0; i < 5; ++i) session->requestSamples({16, 0.2 * i, 3});
    session.reset();
  }
};

FLOWPP_TEST_MAIN(TestSession)
#include "test_session.moc"
