// `flowpp train` under faults, as a user meets them: kill -9 and an exact resume (bit-identical
// weights and metrics log), kills at several moments including in the middle of a checkpoint write,
// and a full disk. After each, every checkpoint loads, metrics.jsonl is well formed with each step
// once, no temp file is left, and the run finishes where it was asked to.
#include <QElapsedTimer>
#include <QTemporaryDir>
#include <QtTest>

#include <filesystem>
#include <fstream>
#include <set>

#include "../TestMain.h"
#include "RunHelpers.h"
#include "data/Dataset.h"
#include "model/Checkpoint.h"
#include "train/RunFolder.h"
#include "util/AtomicFile.h"

using namespace flowpp;
using namespace flowpp::test;
namespace fs = std::filesystem;

namespace {
// `whileRunning`: the log is being written, so a last line without its newline is skipped;
// otherwise a malformed line throws and fails the test.
std::vector<nlohmann::json> metricRows(const QString& run, bool whileRunning = false) {
  std::vector<nlohmann::json> rows;
  std::ifstream in((run + "/metrics.jsonl").toStdString());
  std::string line;
  while (std::getline(in, line)) {
    if (whileRunning && in.eof()) break;
    auto j = nlohmann::json::parse(line);
    if (!j.contains("event")) {
      j.erase("wall_seconds"), j.erase("images_per_sec");
      rows.push_back(j);
    }
  }
  return rows;
}

int checkpointSteps(const QString& run) {
  int n = 0;
  std::error_code ec;  // the folder does not exist until the run starts
  for (fs::directory_iterator it((run + "/checkpoints").toStdString(), ec), end; !ec && it != end; it.increment(ec))
    n += it->path().extension() == ".fpp";
  return n;
}
}  // namespace

class TestFaults : public QObject {
  Q_OBJECT
  QTemporaryDir dir_;
  QString path(const QString& name) const { return dir_.filePath(name); }

  QString data() { return fashionSubset(path("train.idx"), 64); }

  // fmnist-tiny cut down (two coupling stages, no attention, one dequantizer coupling): what is tested is
  // how runs die and resume, not the model, and the instrumented sanitizer build runs it 5x slower.
  QString smallConfig() {
    return writeConfig(path("faults.json"), {{"flow", {{"filters", 8}, {"stages", {{{"split", "stripe"}, {"couplings", 2}},
                                                                                   {{"squeeze", true}},
                                                                                   {{"split", "channel"}, {"couplings", 2}}}}}},
                                             {"dequantizer", {{"filters", 8}, {"couplings", 1}, {"context_channels", 8}}}});
  }

  QStringList trainArgs(const QString& run, int steps, bool resume) {
    QStringList args = {"train", "--data", data(), "--out", run, "--steps", QString::number(steps), "--batch-size", "16",
                        "--log-every", "3", "--eval-every", "0", "--checkpoint-every", "10", "--keep", "2", "--threads", "2"};
    if (resume) args << "--resume";
    else args << "--model" << smallConfig();
    return args;
  }

  // Starts a run and SIGKILLs it once `ready` holds (polling the run folder).
  void killWhen(const QStringList& args, const std::function<bool()>& ready) {
    QProcess p;
    p.start(flowppPath(), args);
    QVERIFY(p.waitForStarted());
    QElapsedTimer t;
    t.start();
    while (!ready() && p.state() == QProcess::Running && t.elapsed() < 300000) QTest::qWait(20);
    p.kill();  // SIGKILL
    p.waitForFinished(10000);
  }

  static void checkRunIsWellFormed(const QString& run, int finalStep) {
    std::set<int64_t> steps;
    for (const auto& row : metricRows(run)) QVERIFY2(steps.insert(row["step"].get<int64_t>()).second, "a step is logged twice");
    QCOMPARE(*steps.rbegin(), int64_t(finalStep));
    for (const auto& e : fs::recursive_directory_iterator(run.toStdString())) {
      QVERIFY2(e.path().string().find(".tmp.") == std::string::npos, e.path().c_str());
      if (e.path().extension() == ".fpp") readCheckpoint(e.path().string());  // throws on a damaged file
    }
  }

 private Q_SLOTS:
  void killNineThenResumeIsExact() {
    const QString straight = path("straight"), killed = path("killed");
    auto r = runFlowpp(trainArgs(straight, 40, false));
    QVERIFY2(r.code == 0, qPrintable(r.err));
    killWhen(trainArgs(killed, 40, false), [&] { return fs::exists((killed + "/checkpoints/ckpt-000000020.fpp").toStdString()); });
    QVERIFY(!fs::exists((killed + "/checkpoints/ckpt-000000040.fpp").toStdString()));
    r = runFlowpp(trainArgs(killed, 40, true));
    QVERIFY2(r.code == 0, qPrintable(r.err));
    QVERIFY2(identical(rawWeights(straight), rawWeights(killed)), "weights after kill -9 and resume differ from an uninterrupted run");
    const auto a = metricRows(straight), b = metricRows(killed);
    QCOMPARE(a.size(), b.size());
    for (size_t i = 0; i < a.size(); ++i) QVERIFY2(a[i] == b[i], qPrintable(QString::fromStdString(a[i].dump() + " vs " + b[i].dump())));
  }

  void killsAtSeveralMomentsIncludingACheckpointWrite() {
    const QString run = path("many-kills");
    int kills = 0;
    // 1: right after the first checkpoint.
    killWhen(trainArgs(run, 60, false), [&] { return checkpointSteps(run) >= 1; });
    ++kills;
    // 2: halfway through writing the checkpoint of step 30 (the process kills itself there).
    auto args = trainArgs(run, 60, true);
    args << "--inject-kill-in-checkpoint" << "30";
    auto r = runFlowpp(args);
    QVERIFY2(r.code != 0, "the injected kill did not happen");
    ++kills;
    QVERIFY(!fs::exists((run + "/checkpoints/ckpt-000000030.fpp").toStdString()));  // never half a checkpoint
    // 3: in the middle of a step, whenever the log has grown past step 33.
    killWhen(trainArgs(run, 60, true), [&] { return metricRows(run, true).size() > 11; });
    ++kills;
    r = runFlowpp(trainArgs(run, 60, true));
    QVERIFY2(r.code == 0, qPrintable(r.err));
    checkRunIsWellFormed(run, 60);
    qInfo("survived %d kills (one inside a checkpoint write)", kills);
  }

  void aFullDiskFailsCleanlyAndKeepsThePreviousCheckpoint() {
    // Learn a checkpoint's size, then allow a little more than one.
    const QString probe = path("probe");
    auto r = runFlowpp(trainArgs(probe, 10, false));
    QVERIFY2(r.code == 0, qPrintable(r.err));
    const auto size = fs::file_size(newestCheckpoint(probe.toStdString()));
    auto env = QProcessEnvironment::systemEnvironment();
    env.insert("FLOWPP_FAULT_DISK_FULL_AFTER", QString::number(size + size / 2));
    const QString run = path("full-disk");
    r = runFlowpp(trainArgs(run, 40, false), 300000, env);
    QVERIFY2(r.code == 1, qPrintable(QString("exit %1: %2").arg(r.code).arg(r.err)));
    QVERIFY2(r.err.contains("No space left on device") && r.err.split('\n', Qt::SkipEmptyParts).filter("flowpp:").size() == 1,
             qPrintable(r.err));
    const auto kept = newestCheckpoint(run.toStdString());
    QVERIFY2(kept.find("ckpt-000000010.fpp") != std::string::npos, kept.c_str());
    readCheckpoint(kept);
    for (const auto& e : fs::recursive_directory_iterator(run.toStdString()))
      QVERIFY2(e.path().string().find(".tmp.") == std::string::npos, e.path().c_str());
    // With space again, the run resumes from the checkpoint that survived.
    r = runFlowpp(trainArgs(run, 40, true));
    QVERIFY2(r.code == 0, qPrintable(r.err));
    checkRunIsWellFormed(run, 40);
  }

  // A log that cannot be written for a moment (a disk full for two seconds) loses no line; one that
  // cannot be written at all stops the run with an error and a checkpoint, and never exits 0.
  void metricsWriteFailuresAreRetriedThenFatal() {
    auto env = QProcessEnvironment::systemEnvironment();
    env.insert("FLOWPP_FAULT_APPEND_FAILS", "4:2");  // the 5th and 6th append attempts fail
    const QString brief = path("brief-full");
    auto r = runFlowpp(trainArgs(brief, 30, false), 300000, env);
    QVERIFY2(r.code == 0, qPrintable(r.err));
    checkRunIsWellFormed(brief, 30);
    QCOMPARE(int(metricRows(brief).size()), 10);  // steps 3, 6, ..., 30: none lost

    env.insert("FLOWPP_FAULT_APPEND_FAILS", "4:1000000");
    const QString lasting = path("lasting-full");
    r = runFlowpp(trainArgs(lasting, 30, false), 300000, env);
    QVERIFY2(r.code == 1, qPrintable(QString("exit %1: %2").arg(r.code).arg(r.err)));
    QVERIFY2(r.err.contains("metrics.jsonl") && r.err.contains("No space left on device") && r.err.contains("with a checkpoint"),
             qPrintable(r.err));
    const auto stoppedAt = readCheckpoint(newestCheckpoint(lasting.toStdString())).meta["step"].get<int64_t>();
    QVERIFY2(stoppedAt > 0 && stoppedAt < 30, qPrintable(QString::number(stoppedAt)));
    r = runFlowpp(trainArgs(lasting, 30, true));  // the disk has room again
    QVERIFY2(r.code == 0, qPrintable(r.err));
    checkRunIsWellFormed(lasting, 30);
  }

  // `export --out RUN/checkpoints/...` is refused; a weights-only file or another run's checkpoint
  // found there anyway (copied by hand) is passed over by --resume with a warning naming it.
  void resumeContinuesOnlyThisRunsCheckpointsWithTrainingState() {
    const QString run = path("mixed"), other = path("other");
    auto r = runFlowpp(trainArgs(run, 10, false));
    QVERIFY2(r.code == 0, qPrintable(r.err));
    const QString newest = QString::fromStdString(newestCheckpoint(run.toStdString()));
    const auto before = readFile(newest.toStdString());
    r = runFlowpp({"export", "--model", run, "--out", newest, "--half"});
    QVERIFY2(r.code == 2 && r.err.contains("inside the checkpoints of the run"), qPrintable(r.err));
    QCOMPARE(readFile(newest.toStdString()), before);

    // By hand: an exported (weights-only) file and a checkpoint of another architecture, both newer.
    r = runFlowpp({"export", "--model", run, "--out", path("weights-only.fpp"), "--half"});
    QVERIFY2(r.code == 0, qPrintable(r.err));
    QVERIFY(QFile::copy(path("weights-only.fpp"), run + "/checkpoints/ckpt-000000050.fpp"));
    auto otherArgs = trainArgs(other, 10, false);
    otherArgs[otherArgs.indexOf("--model") + 1] = modelsDir() + "/fmnist-tiny.json";
    r = runFlowpp(otherArgs);
    QVERIFY2(r.code == 0, qPrintable(r.err));
    QVERIFY(QFile::copy(QString::fromStdString(newestCheckpoint(other.toStdString())), run + "/checkpoints/ckpt-000000060.fpp"));

    r = runFlowpp(trainArgs(run, 20, true));
    QVERIFY2(r.code == 0, qPrintable(r.err));
    QVERIFY2(r.err.contains("ckpt-000000060.fpp: its config") && r.err.contains("ckpt-000000050.fpp: has no training state"),
             qPrintable(r.err));
    QCOMPARE(readCheckpoint(run.toStdString() + "/checkpoints/ckpt-000000020.fpp").meta["step"].get<int64_t>(), int64_t(20));
  }

  // Lines of metrics.jsonl that do not parse are moved aside with a warning, never deleted.
  void unreadableMetricsLinesAreKeptAside() {
    const QString run = path("damaged-log");
    auto r = runFlowpp(trainArgs(run, 12, false));
    QVERIFY2(r.code == 0, qPrintable(r.err));
    QFile log(run + "/metrics.jsonl");
    QVERIFY(log.open(QIODevice::ReadOnly));
    auto lines = log.readAll().split('\n');
    log.close();
    lines[2] = "{\"step\": 6, \"train_bpd\": 5.1, GARBAGE";
    QVERIFY(log.open(QIODevice::WriteOnly | QIODevice::Truncate));
    log.write(lines.join('\n'));
    log.close();
    r = runFlowpp(trainArgs(run, 15, true));
    QVERIFY2(r.code == 0, qPrintable(r.err));
    QVERIFY2(r.err.contains("1 unreadable line(s) of metrics.jsonl moved to metrics-unreadable.txt"), qPrintable(r.err));
    QFile aside(run + "/metrics-unreadable.txt");
    QVERIFY(aside.open(QIODevice::ReadOnly));
    QCOMPARE(aside.readAll(), QByteArray("{\"step\": 6, \"train_bpd\": 5.1, GARBAGE\n"));
  }
};

FLOWPP_TEST_GUILESS_MAIN(TestFaults)
#include "test_faults.moc"
