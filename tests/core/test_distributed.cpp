// Data-parallel training over c10d Gloo on 127.0.0.1: two processes with a global batch of 16 end
// where one process with a batch of 16 does (to float32 round-off), a run resumes with another
// number of processes, and killing one worker makes the other exit with a clear error instead of
// hanging.
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

  void aRunResumesWithAnotherNumberOfProcesses() {
    auto r = runFlowpp(args(path("switch"), 5, false) << "--nproc" << "2");
    QVERIFY2(r.code == 0, qPrintable(r.err));
    r = runFlowpp(args(path("switch"), 8, true));
    QVERIFY2(r.code == 0, qPrintable(r.err));
    r = runFlowpp(args(path("switch"), 10, true) << "--nproc" << "2");
    QVERIFY2(r.code == 0, qPrintable(r.err));
    QCOMPARE(readCheckpoint(newestCheckpoint(path("switch").toStdString())).meta["step"].get<int>(), 10);
  }

  void killingOneWorkerStopsTheOtherWithAClearError() {
    QTcpServer probe;
    QVERIFY(probe.listen(QHostAddress::LocalHost, 0));
    const QString port = QString::number(probe.serverPort());
    probe.close();
    QProcess workers[2];
    for (int rank = 0; rank < 2; ++rank) {
      auto env = QProcessEnvironment::systemEnvironment();
      env.insert("RANK", QString::number(rank));
      env.insert("LOCAL_RANK", QString::number(rank));
      env.insert("WORLD_SIZE", "2");
      env.insert("MASTER_ADDR", "127.0.0.1");
      env.insert("MASTER_PORT", port);
      workers[rank].setProcessEnvironment(env);
      workers[rank].start(flowppPath(), args(path("killed"), 100000, false));
    }
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
};

FLOWPP_TEST_GUILESS_MAIN(TestDistributed)
#include "test_distributed.moc"
