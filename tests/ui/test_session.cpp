// The model session's lifetime on its own (no window): destroying it while a model loads, while
// interactive and long jobs run, or before its workers have started anything, finishes or drops
// every job without touching freed state. Under AddressSanitizer (installer/test.sh --sanitize) a
// use after free here is a test failure.
#include <QSignalSpy>
#include <QtTest>

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
  // posted the model's copy to a background worker that had already been destroyed.
  void destroyedWhileAModelLoads() {
    for (int round = 0; round < 5; ++round) {
      auto session = std::make_unique<ModelSession>();
      QSignalSpy states(session.get(), &ModelSession::jobState);
      session->openModel(bundled());
      QVERIFY(QTest::qWaitFor([&] {
        for (const auto& s : states)
          if (s.at(0).value<JobKind>() == JobKind::Model && s.at(1).value<JobState>() == JobState::Running) return true;
        return false;
      }, 60000));
      QVERIFY(session->isLoading());
      session.reset();
    }
  }

  void destroyedBeforeItsWorkersStart() {
    auto session = std::make_unique<ModelSession>();
    session->openModel(bundled());
    session->requestSamples({16, 1.0, 3});
    session.reset();
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
