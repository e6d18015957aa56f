// Data-parallel training over c10d Gloo on 127.0.0.1: two processes with a global batch of 16 end
// where one process with a batch of 16 does (to float32 round-off), a run resumes with another
// number of processes, and killing one worker makes the other exit with a clear error instead of
// hanging.
#include <signal.h>

#include <QElapsedTimer>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QtTest>

#include "../TestMain.h"
#include "RunHelpers.h"
#include "data/Dataset.h"
#include "model/Checkpoint.h"
#include "train/Distributed.h"
#include "train/RunFolder.h"

using namespace flowpp;
using namespace flowpp::test;

class TestDistributed : public QObject {
  Q_OBJECT
  QTemporaryDir dir_;
  QString path(const QString& name) const { return dir_.filePath(name); }

  // Starts the two ranks by hand, as a launcher on two hosts would, each with its own arguments.
  static void startWorkers(QProcess (&workers)[2], const QStringList (&args)[2]) {
    QTcpServer probe;
    QVERIFY(probe.listen(QHostAddress::LocalHost, 0));
    const QString port = QString::number(probe.serverPort());
    probe.close();
    for (int rank = 0; rank < 2; ++rank) {
      auto env = QProcessEnvironment::systemEnvironment();
      env.insert("RANK", QString::number(rank));
      env.insert("LOCAL_RANK", QString::number(rank));
      env.insert("WORLD_SIZE", "2");
      env.insert("MASTER_ADDR", "127.0.0.1");
      env.insert("MASTER_PORT", port);
      workers[rank].setProcessEnvironment(env);
      workers[rank].start(flowppPath(), args[rank]);
    }
  }

  static std::vector<nlohmann::json> metricsLines(const QString& run) {
    std::vector<nlohmann::json> rows;
    QFile f(run + "/metrics.jsonl");
    if (!f.open(QIODevice::ReadOnly)) return rows;
    for (const auto& line : f.readAll().split('\n'))
      if (!line.trimmed().isEmpty()) rows.push_back(nlohmann::json::parse(line.toStdString()));
    return rows;
  }

  QString data() { return fashionSubset(path("train.idx"), 128); }
  QStringList args(const QString& run, int steps, bool resume) {
    QStringList a = {"train", "--data", data(), "--out", run, "--steps", QString::number(steps), "--batch-size", "16",
                     "--log-every", "1", "--eval-every", "0", "--checkpoint-every", "5", "--threads", "1", "--dist-timeout", "30"};
    if (resume) a << "--resume";
    else a << "--model" << modelsDir() + "/fmnist-tiny.json";  // dropout 0
    return a;
  }

 private Q_SLOTS:
  void initTestCase() {
    if (distributedBackends().empty()) QSKIP("this build has no distributed training");
  }

  void twoProcessesMatchOneProcess() {
    auto one = runFlowpp(args(path("one"), 5, false));
    QVERIFY2(one.code == 0, qPrintable(one.err));
    auto two = runFlowpp(args(path("two"), 5, false) << "--nproc" << "2");
    QVERIFY2(two.code == 0, qPrintable(two.err));
    const auto a = rawWeights(path("one")), b = rawWeights(path("two"));
    QCOMPARE(a.size(), b.size());
    double maxDiff = 0, maxWeight = 0;
    for (const auto& [name, t] : a) {
      maxDiff = std::max(maxDiff, (t - b.at(name)).abs().max().item<double>());
      maxWeight = std::max(maxWeight, t.abs().max().item<double>());
    }
    qInfo("2 processes vs 1 after 5 steps: max |parameter difference| = %.3g (largest parameter %.3g)", maxDiff, maxWeight);
    QVERIFY2(maxDiff < 1e-5 * std::max(1.0, maxWeight), qPrintable(QString::number(maxDiff)));
    QCOMPARE(readCheckpoint(newestCheckpoint(path("two").toStdString())).meta["processes"].get<int>(), 2);
  }

  // 2 processes to step 5, 1 to step 8, 2 to step 10: the same weights (to float32 round-off) and
  // the same log, step for step, as one process straight to step 10.
  void aRunResumesWithAnotherNumberOfProcesses() {
    auto r = runFlowpp(args(path("straight"), 10, false));
    QVERIFY2(r.code == 0, qPrintable(r.err));
    r = runFlowpp(args(path("switch"), 5, false) << "--nproc" << "2");
    QVERIFY2(r.code == 0, qPrintable(r.err));
    r = runFlowpp(args(path("switch"), 8, true));
    QVERIFY2(r.code == 0, qPrintable(r.err));
    r = runFlowpp(args(path("switch"), 10, true) << "--nproc" << "2");
    QVERIFY2(r.code == 0, qPrintable(r.err));
    QCOMPARE(readCheckpoint(newestCheckpoint(path("switch").toStdString())).meta["step"].get<int>(), 10);
    const auto a = rawWeights(path("straight")), b = rawWeights(path("switch"));
    double maxDiff = 0;
    for (const auto& [name, t] : a) maxDiff = std::max(maxDiff, (t - b.at(name)).abs().max().item<double>());
    QVERIFY2(maxDiff < 1e-4, qPrintable(QString("weights differ by %1").arg(maxDiff)));
    std::vector<std::pair<int64_t, double>> straight, switched;
    for (const auto& j : metricsLines(path("straight")))
      if (!j.contains("event")) straight.push_back({j["step"], j["train_bpd"]});
    for (const auto& j : metricsLines(path("switch")))
      if (!j.contains("event")) switched.push_back({j["step"], j["train_bpd"]});
    QCOMPARE(switched.size(), straight.size());  // steps 1..10, each once
    for (size_t i = 0; i < straight.size(); ++i) {
      QCOMPARE(switched[i].first, straight[i].first);
      QVERIFY2(std::abs(switched[i].second - straight[i].second) < 1e-4, qPrintable(QString("step %1").arg(straight[i].first)));
    }
  }

  // Each rank's clock decides on its own whether the time is up; they must end on one agreed
  // decision. Rank 1 is given a budget of 3 s and rank 0 one of an hour: before the fix rank 1
  // entered the final evaluation (a collective) alone and failed when rank 0 left.
  void aTimeBudgetEndsOnOneAgreedDecision() {
    QStringList perRank[2];
    for (int rank = 0; rank < 2; ++rank)
      perRank[rank] = QStringList{"train", "--model", modelsDir() + "/fmnist-tiny.json", "--data", data(), "--test-data", data(),
                                  "--out", path("budget"), "--minutes", rank == 0 ? "60" : "0.05", "--batch-size", "16",
                                  "--log-every", "1", "--eval-every", "0", "--eval-images", "32", "--threads", "1",
                                  "--dist-timeout", "30"};
    QProcess workers[2];
    startWorkers(workers, perRank);
    for (auto& w : workers) QVERIFY2(w.waitForFinished(300000), "a worker hung");
    for (auto& w : workers)
      QVERIFY2(w.exitCode() == 0, qPrintable(QString::fromUtf8(w.readAllStandardError())));
    const auto lines = metricsLines(path("budget"));
    QVERIFY(!lines.empty());
    const auto& end = lines.back();
    QCOMPARE(end["event"].get<std::string>(), std::string("time_up"));
    QVERIFY2(end.contains("test_bpd") && std::isfinite(end["test_bpd"].get<double>()), end.dump().c_str());
    QCOMPARE(readCheckpoint(newestCheckpoint(path("budget").toStdString())).meta["step"], end["step"]);
  }

  // Rank 1 has no access to the run folder (another host): on resume it takes the config rank 0
  // read from the checkpoint. Before the fix every rank read the checkpoint itself and rank 1 failed.
  void aResumedRunSendsItsConfigToEveryRank() {
    auto r = runFlowpp(args(path("shared"), 4, false));
    QVERIFY2(r.code == 0, qPrintable(r.err));
    QStringList perRank[2] = {args(path("shared"), 6, true), args(path("elsewhere/none"), 6, true)};
    QProcess workers[2];
    startWorkers(workers, perRank);
    for (auto& w : workers) QVERIFY2(w.waitForFinished(300000), "a worker hung");
    for (auto& w : workers) QVERIFY2(w.exitCode() == 0, qPrintable(QString::fromUtf8(w.readAllStandardError())));
    QCOMPARE(readCheckpoint(newestCheckpoint(path("shared").toStdString())).meta["processes"].get<int>(), 2);
    QCOMPARE(readCheckpoint(newestCheckpoint(path("shared").toStdString())).meta["step"].get<int>(), 6);
    QVERIFY(!QDir(path("elsewhere")).exists());  // rank 1 wrote nothing of its own
  }

  void killingOneWorkerStopsTheOtherWithAClearError() {
    QProcess workers[2];
    const QStringList both[2] = {args(path("killed"), 100000, false), args(path("killed"), 100000, false)};
    startWorkers(workers, both);
    QTRY_VERIFY_WITH_TIMEOUT(QFile::exists(path("killed/metrics.jsonl")) && QFile(path("killed/metrics.jsonl")).size() > 300, 120000);
    workers[1].kill();
    QElapsedTimer t;
    t.start();
    QVERIFY2(workers[0].waitForFinished(90000), "the surviving worker hung");
    const QString err = QString::fromUtf8(workers[0].readAllStandardError());
    qInfo("the surviving worker stopped %.1f s after its peer was killed", t.elapsed() / 1000.0);
    QVERIFY(workers[0].exitCode() != 0);
    QVERIFY2(err.contains("rank 0 of 2") && err.contains("lost contact"), qPrintable(err));
  }

  // The --nproc launcher passes on what happens to it: a worker's exit code (3 for a data error),
  // a SIGTERM (the workers checkpoint and stop: exit 130), and its own SIGKILL (the workers stop
  // too, releasing the run's lock, instead of training on).
  void theLauncherPassesOnExitCodesAndSignals() {
    auto noData = args(path("no-data"), 5, false) << "--nproc" << "2";
    noData[noData.indexOf("--data") + 1] = path("missing.idx");
    auto r = runFlowpp(noData);
    QVERIFY2(r.code == 3 && r.err.contains("worker rank"), qPrintable(QString("exit %1: %2").arg(r.code).arg(r.err)));

    for (int signal : {SIGTERM, SIGKILL}) {
      const QString run = path(signal == SIGTERM ? "launcher-term" : "launcher-kill");
      QProcess launcher;
      launcher.start(flowppPath(), args(run, 100000, false) << "--nproc" << "2");
      QTRY_VERIFY_WITH_TIMEOUT(QFile(run + "/metrics.jsonl").size() > 300, 120000);
      QElapsedTimer t;
      t.start();
      ::kill(pid_t(launcher.processId()), signal);
      QVERIFY(launcher.waitForFinished(60000));
      if (signal == SIGTERM) QCOMPARE(launcher.exitCode(), 130);
      // The run's lock is free once the workers are gone: a resume can start.
      QTRY_VERIFY_WITH_TIMEOUT(runFlowpp(args(run, 1, true), 60000).err.contains("in use") == false, 30000);
      qInfo("after %s to the launcher the run folder was free in %.1f s", signal == SIGTERM ? "SIGTERM" : "SIGKILL", t.elapsed() / 1000.0);
      QVERIFY2(t.elapsed() < 30000, "the workers outlived their launcher");
    }
  }

  // A worker that stops answering (SIGSTOP): rank 0 gives up at --dist-timeout, and the launcher
  // kills the stopped one 5 s later, not after a fixed minute.
  void aStoppedWorkerCostsNoMoreThanTheTimeout() {
    const QString run = path("stopped");
    QProcess launcher;
    auto stopArgs = args(run, 100000, false) << "--nproc" << "2";
    stopArgs[stopArgs.indexOf("--dist-timeout") + 1] = "10";
    launcher.start(flowppPath(), stopArgs);
    QTRY_VERIFY_WITH_TIMEOUT(QFile(run + "/metrics.jsonl").size() > 300, 120000);
    QProcess find;
    find.start("pgrep", {"-P", QString::number(launcher.processId())});
    QVERIFY(find.waitForFinished(10000));
    const auto children = QString::fromUtf8(find.readAllStandardOutput()).split('\n', Qt::SkipEmptyParts);
    QCOMPARE(children.size(), 2);
    QElapsedTimer t;
    t.start();
    ::kill(pid_t(children.last().toLongLong()), SIGSTOP);
    QVERIFY(launcher.waitForFinished(120000));
    qInfo("the launcher ended %.1f s after a worker was stopped (--dist-timeout 10)", t.elapsed() / 1000.0);
    QVERIFY(launcher.exitCode() != 0);
    QVERIFY2(t.elapsed() < 25000, qPrintable(QString("%1 ms").arg(t.elapsed())));
  }
};

FLOWPP_TEST_GUILESS_MAIN(TestDistributed)
#include "test_distributed.moc"
