// The `flowpp` program against bad input: every case gets one clear sentence naming what is wrong
// (no LibTorch backtrace, no raw library text), the documented exit code (2 usage/input, 3 data),
// and nothing written. Cases from the fuzz run of the reliability issue, and their class.
#include <QTemporaryDir>
#include <QtTest>

#include <sys/stat.h>
#include <zlib.h>

#include "../TestMain.h"
#include "CliRunner.h"
#include "Helpers.h"
#include "data/Dataset.h"
#include "explore/LatentFile.h"
#include "model/Checkpoint.h"

using namespace flowpp;
using namespace flowpp::test;
using nlohmann::json;

class TestCli : public QObject {
  Q_OBJECT
  QTemporaryDir dir_;
  QString path(const QString& name) const { return dir_.filePath(name); }
  QString tinyData() {
    const QString p = path("tiny.idx");
    if (!QFile::exists(p)) {
      auto d = loadDataset(fashionTest().toStdString(), 64);
      writeFashionIdx(p, 64, std::string(reinterpret_cast<const char*>(d.images.data_ptr<uint8_t>()), d.images.numel()));
    }
    return p;
  }
  QString config(const QString& name, const json& patch) { return writeConfig(path(name + ".json"), patch); }

  static void checkError(const CliResult& r, int code, const QString& fragment) {
    QVERIFY2(!r.timedOut, "flowpp did not finish (a hang)");
    QVERIFY2(r.code == code, qPrintable(QString("exit %1 (expected %2): %3").arg(r.code).arg(code).arg(r.err)));
    QVERIFY2(r.err.contains(fragment), qPrintable(QString("'%1' not in: %2").arg(fragment, r.err)));
    QVERIFY2(!r.err.contains("Exception raised from") && !r.err.contains("frame #"), qPrintable(r.err));
    const auto lines = r.err.split('\n', Qt::SkipEmptyParts).filter("flowpp:");
    QVERIFY2(lines.size() == 1, qPrintable(QString("expected one error line: %1").arg(r.err)));
  }

 private Q_SLOTS:
  void badOptionsAreRefusedWithTheirRange_data() {
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<QString>("fragment");
    const QString fmt = modelsDir() + "/fmnist-tiny.json", bundled = modelsDir() + "/fmnist-small.fpp";
    const QStringList train = {"train", "--model", fmt, "--data", "DATA", "--out", "OUT"};
    QTest::newRow("--log-every 0") << (train + QStringList{"--steps", "2", "--log-every", "0"}) << "--log-every: 0 is out of range";
    QTest::newRow("--log-every -1") << (train + QStringList{"--steps", "2", "--log-every", "-1"}) << "--log-every";
    QTest::newRow("--checkpoint-every 0") << (train + QStringList{"--steps", "2", "--checkpoint-every", "0"}) << "--checkpoint-every";
    QTest::newRow("--minutes nan") << (train + QStringList{"--minutes", "nan"}) << "--minutes: 'nan' is not a finite number";
    QTest::newRow("--keep 0") << (train + QStringList{"--steps", "2", "--keep", "0"}) << "--keep";
    QTest::newRow("--seed -1") << (train + QStringList{"--steps", "2", "--seed", "-1"}) << "--seed";
    QTest::newRow("no budget") << train << "--minutes M";
    QTest::newRow("eval --batch-size 0") << QStringList{"eval", "--model", bundled, "--data", "DATA", "--batch-size", "0"} << "--batch-size";
    QTest::newRow("eval --limit -3") << QStringList{"eval", "--model", bundled, "--data", "DATA", "--limit", "-3"} << "--limit";
    QTest::newRow("eval -k 100000") << QStringList{"eval", "--model", bundled, "--data", "DATA", "-k", "100000"} << "--importance-samples";
    QTest::newRow("sample -t nan") << QStringList{"sample", "--model", bundled, "-t", "nan", "--out", "OUT.png"} << "--temperature";
    QTest::newRow("sample -n 1abc") << QStringList{"sample", "--model", bundled, "-n", "1abc", "--out", "OUT.png"} << "-n: '1abc' is not an integer";
    QTest::newRow("bench --steps -1") << QStringList{"bench", "--model", bundled, "--steps", "-1"} << "--steps";
    QTest::newRow("unknown subcommand") << QStringList{"frobnicate"} << "frobnicate";
    QTest::newRow("missing --model") << QStringList{"eval", "--data", "DATA"} << "--model";
  }
  void badOptionsAreRefusedWithTheirRange() {
    QFETCH(QStringList, args);
    QFETCH(QString, fragment);
    args.replaceInStrings("DATA", tinyData());
    args.replaceInStrings("OUT", path("out-options"));
    checkError(runFlowpp(args), 2, fragment);
    QVERIFY(!QFile::exists(path("out-options.png")));
    QVERIFY(!QDir(path("out-options")).exists());
  }

  void badConfigsNameTheField_data() {
    QTest::addColumn<QString>("patch");
    QTest::addColumn<QString>("fragment");
    QTest::newRow("batch_size 0") << R"({"training": {"batch_size": 0}})" << "training.batch_size: 0 is out of range";
    QTest::newRow("init_batch_size 0") << R"({"training": {"init_batch_size": 0}})" << "training.init_batch_size";
    QTest::newRow("dequantizer heads 0") << R"({"dequantizer": {"heads": 0}})" << "dequantizer.heads";
    QTest::newRow("blocks 1,000,000") << R"({"flow": {"blocks": 1000000}})" << "flow.blocks: 1000000 is out of range";
    QTest::newRow("components 1,000,000") << R"({"flow": {"components": 1000000}})" << "flow.components";
    QTest::newRow("couplings 1,000,000") << R"({"flow": {"stages": [{"split": "stripe", "couplings": 1000000}]}})" << "couplings";
    QTest::newRow("integer that wraps") << R"({"flow": {"filters": 4294967312}})" << "flow.filters: 4294967312 is out of range";
    QTest::newRow("float for an integer") << R"({"flow": {"filters": 16.7}})" << "expected an integer, got 16.7";
    QTest::newRow("image is a number") << R"({"image": 5})" << "image must be an object";
    QTest::newRow("negative dequantizer filters") << R"({"dequantizer": {"filters": -4}})" << "dequantizer.filters";
    QTest::newRow("context_channels 0") << R"({"dequantizer": {"context_channels": 0}})" << "dequantizer.context_channels";
    QTest::newRow("dropout 1") << R"({"flow": {"dropout": 1}})" << "flow.dropout: 1 is out of range (allowed: [0, 1))";
    QTest::newRow("learning rate 0") << R"({"training": {"learning_rate": 0}})" << "training.learning_rate";
    QTest::newRow("ema_decay 2") << R"({"training": {"ema_decay": 2}})" << "training.ema_decay";
    QTest::newRow("grad_clip -1") << R"({"training": {"grad_clip": -1}})" << "training.grad_clip";
    QTest::newRow("warmup -1") << R"({"training": {"warmup_steps": -1}})" << "training.warmup_steps";
    QTest::newRow("unknown field") << R"({"flow": {"filter": 8}})" << "unknown field flow.filter";
    QTest::newRow("string for a number") << R"({"n_bits": "8"})" << "n_bits: expected an integer, got a string";
  }
  void badConfigsNameTheField() {
    QFETCH(QString, patch);
    QFETCH(QString, fragment);
    const QString file = config(QTest::currentDataTag(), json::parse(patch.toStdString()));
    const QString run = path(QString("run-config-%1").arg(QTest::currentDataTag()).replace(' ', '_'));
    checkError(runFlowpp({"train", "--model", file, "--data", tinyData(), "--out", run, "--steps", "2"}), 2, fragment);
    QVERIFY2(!QDir(run).exists(), "a refused config created its run folder");
    checkError(runFlowpp({"info", "--model", file}), 2, fragment);
  }

  void textAfterTheJsonIsRefused() {
    const QString file = path("trailing.json");
    {
      QFile f(modelsDir() + "/fmnist-tiny.json");
      QVERIFY(f.open(QIODevice::ReadOnly));
      QFile out(file);
      QVERIFY(out.open(QIODevice::WriteOnly));
      out.write(f.readAll() + "\n{\"more\": 1}\n");
    }
    checkError(runFlowpp({"info", "--model", file}), 2, "is not valid JSON");
  }

  void aCheckpointsEmbeddedConfigIsValidatedToo() {
    // A checkpoint whose embedded config has heads = 0 (written by this very code path, so it
    // carries a valid checksum) is refused by the config check when it is read back.
    Checkpoint ck;
    ck.config = ModelConfig::load((modelsDir() + "/fmnist-tiny.json").toStdString());
    ck.config.dequantizer.net.heads = 0;
    saveCheckpoint(path("heads0.fpp").toStdString(), ck);
    checkError(runFlowpp({"info", "--model", path("heads0.fpp")}), 2, "dequantizer.heads");
  }

  void zeroImagesIsADataError() {
    writeFashionIdx(path("empty.idx"), 0, "");
    const QString bundled = modelsDir() + "/fmnist-small.fpp";
    checkError(runFlowpp({"eval", "--model", bundled, "--data", path("empty.idx")}), 3, "no images");
    checkError(runFlowpp({"encode", "--model", bundled, "--data", path("empty.idx"), "--out", path("z.lat")}), 3, "no images");
    QVERIFY(!QFile::exists(path("z.lat")));
  }

  void evalReadsAnImageFolderOnceAtTheModelsShape() {
    // A folder of 10x12 colour PNGs for a config of 1x28x28: refused with both sizes named, or, with
    // --resize, converted with a note that says so.
    QDir().mkpath(path("folder"));
    for (int i = 0; i < 3; ++i) {
      QImage img(12, 10, QImage::Format_RGB888);
      img.fill(QColor(40 * i, 80, 120));
      QVERIFY(img.save(path(QString("folder/%1.png").arg(i))));
    }
    const QStringList eval = {"eval", "--model", modelsDir() + "/fmnist-tiny.json", "--data", path("folder"), "--batch-size", "4"};
    checkError(runFlowpp(eval), 3, "the image is 12x10 colour, the model takes 28x28 grey images");
    auto r = runFlowpp(QStringList(eval) << "--resize");
    QVERIFY2(r.code == 0, qPrintable(r.err));
    QVERIFY2(r.err.contains("note:") && r.err.contains("resized from 12x10 to 28x28"), qPrintable(r.err));
    QVERIFY(json::parse(r.out.trimmed().split('\n').last().toStdString())["images"] == 3);
  }

  void nonFiniteLatentsAreRefused() {
    const QString bundled = modelsDir() + "/fmnist-small.fpp";
    auto r = runFlowpp({"encode", "--model", bundled, "--data", tinyData(), "--limit", "2", "--out", path("ok.lat")});
    QVERIFY2(r.code == 0, qPrintable(r.err));
    auto file = readLatents(path("ok.lat").toStdString());
    auto z = file.z.clone();
    z[0][0][0][0] = std::nan("");
    writeLatents(path("nan.lat").toStdString(), z, file.config, file.source);
    checkError(runFlowpp({"decode", "--model", bundled, path("nan.lat"), "--out", path("decoded")}), 2, "NaN or infinite");
    QVERIFY(!QDir(path("decoded")).exists());
  }

  void nanWeightsAreRefused() {
    auto ck = readCheckpoint((modelsDir() + "/fmnist-small.fpp").toStdString());
    ck.weights.begin()->second.view(-1)[0] = std::nan("");
    saveCheckpoint(path("nan.fpp").toStdString(), ck);
    checkError(runFlowpp({"sample", "--model", path("nan.fpp"), "--out", path("nan.png")}), 2, "NaN or infinite");
    QVERIFY(!QFile::exists(path("nan.png")));
  }

  // export --name renames the model and nothing else; an empty name is refused before anything is written.
  void exportRenamesTheModel() {
    const QString bundled = modelsDir() + "/fmnist-small.fpp";
    checkError(runFlowpp({"export", "--model", bundled, "--out", path("empty.fpp"), "--name", ""}), 2, "--name");
    QVERIFY(!QFile::exists(path("empty.fpp")));
    auto r = runFlowpp({"export", "--model", bundled, "--out", path("renamed.fpp"), "--half", "--name", "leg-x"});
    QVERIFY2(r.code == 0, qPrintable(r.err));
    const auto before = readCheckpoint(bundled.toStdString()), after = readCheckpoint(path("renamed.fpp").toStdString());
    QCOMPARE(after.config.name, std::string("leg-x"));
    QVERIFY(before.config.name != after.config.name && before.config.toJson()["flow"] == after.config.toJson()["flow"]);
    for (const auto& [name, w] : before.weights) QVERIFY2(torch::equal(w, after.weights.at(name)), name.c_str());
  }

  // A JSON value nested 100,000 deep: printing it for the error message overflowed the stack.
  void deeplyNestedJsonIsRefusedWithoutACrash() {
    QFile f(path("deep.json"));
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write(QByteArray(100000, '[') + QByteArray(100000, ']'));
    f.close();
    checkError(runFlowpp({"info", "--model", path("deep.json")}), 2, "nested deeper than 64 levels");
  }

  void aKeyTwiceInOneObjectIsRefused() {
    QFile f(path("twice.json"));
    QVERIFY(f.open(QIODevice::WriteOnly));
    QFile base(modelsDir() + "/fmnist-tiny.json");
    QVERIFY(base.open(QIODevice::ReadOnly));
    auto text = base.readAll();
    text.replace("\"n_bits\": 8", "\"n_bits\": 8, \"n_bits\": 3");  // the later one used to win in silence
    QVERIFY(text.contains("\"n_bits\": 3"));
    f.write(text);
    f.close();
    checkError(runFlowpp({"info", "--model", path("twice.json")}), 2, "\"n_bits\" appears twice");
  }

  // A pipe or a device is refused before a byte is read: no hang, no read without end.
  void pipesAndDevicesAreRefusedBeforeReading() {
    const QString fifo = path("fifo");
    QVERIFY(::mkfifo(fifo.toLocal8Bit().constData(), 0644) == 0);
    const QString bundled = modelsDir() + "/fmnist-small.fpp";
    checkError(runFlowpp({"eval", "--model", bundled, "--data", fifo}, 60000), 3, "is a pipe (FIFO)");
    checkError(runFlowpp({"eval", "--model", fifo, "--data", tinyData()}, 60000), 2, "is a pipe (FIFO)");
    checkError(runFlowpp({"info", "--model", "/dev/zero"}, 60000), 2, "is a device");
    checkError(runFlowpp({"info", "--model", fifo + "-config.json"}, 60000), 2, "no such file");
  }

  // compress / decompress through files: the IDX file comes back byte for byte, a folder of PNG
  // files comes back with its names, one image makes a one-image file, the summary's bytes are the
  // file's, and a damaged file, an existing output and the wrong model are refused with nothing written.
  void compressAndDecompressThroughFiles() {
    const QString bundled = modelsDir() + "/fmnist-small.fpp";
    auto c = runFlowpp({"compress", "--model", bundled, "--data", tinyData(), "--limit", "24", "--out", path("a.fppz")});
    QVERIFY2(c.code == 0, qPrintable(c.err));
    const auto summary = json::parse(c.out.toStdString());
    QCOMPARE(summary["bytes"].get<int64_t>(), QFileInfo(path("a.fppz")).size());
    QCOMPARE(summary["bpd"].get<double>(), 8.0 * double(QFileInfo(path("a.fppz")).size()) / (24 * 784));
    QVERIFY(summary["verified"].get<bool>());
    auto d = runFlowpp({"decompress", path("a.fppz"), "--model", bundled, "--out", path("back.idx")});
    QVERIFY2(d.code == 0, qPrintable(d.err));
    QFile original(tinyData()), back(path("back.idx"));
    QVERIFY(original.open(QIODevice::ReadOnly) && back.open(QIODevice::ReadOnly));
    const QByteArray want = original.readAll().mid(16, 24 * 784), got = back.readAll();
    QCOMPARE(got.size(), 16 + 24 * 784);
    QVERIFY2(got.mid(16) == want, "the decompressed pixels differ");
    checkError(runFlowpp({"decompress", path("a.fppz"), "--model", bundled, "--out", path("back.idx")}), 2, "exists");
    checkError(runFlowpp({"compress", "--model", bundled, "--data", tinyData(), "--limit", "2", "--out", path("a.fppz")}), 2, "exists");

    // A folder: names kept. One file of it alone: a one-image file.
    QVERIFY(QDir().mkpath(path("pics/shoes")) && QDir().mkpath(path("pics/shirts")));
    auto d2 = runFlowpp({"decompress", path("a.fppz"), "--model", bundled, "--out", path("pngs")});
    QVERIFY2(d2.code == 0, qPrintable(d2.err));
    QVERIFY(QFile::copy(path("pngs/00003.png"), path("pics/shoes/left.png")));
    QVERIFY(QFile::copy(path("pngs/00004.png"), path("pics/shirts/right.png")));
    auto c2 = runFlowpp({"compress", "--model", bundled, path("pics"), "--out", path("pics.fppz")});
    QVERIFY2(c2.code == 0, qPrintable(c2.err));
    auto d3 = runFlowpp({"decompress", path("pics.fppz"), "--model", bundled, "--out", path("pics-back")});
    QVERIFY2(d3.code == 0, qPrintable(d3.err));
    for (const auto& name : {"shoes/left.png", "shirts/right.png"}) {
      QFile a(path("pics/") + name), b(path("pics-back/") + name);
      QVERIFY2(a.open(QIODevice::ReadOnly) && b.open(QIODevice::ReadOnly), name);
      QVERIFY2(a.readAll() == b.readAll(), name);  // PNG files written by the same writer from the same pixels
    }
    auto one = runFlowpp({"compress", "--model", bundled, path("pics/shirts/right.png"), "--out", path("right.fppz")});
    QVERIFY2(one.code == 0, qPrintable(one.err));
    const auto oneSummary = json::parse(one.out.toStdString());
    QVERIFY(oneSummary.contains("coded_with") && oneSummary.contains("flow_bpd"));
    QVERIFY(oneSummary["bpd"].get<double>() < oneSummary["flow_bpd"].get<double>() || oneSummary["coded_with"] == "flow");

    // Damaged, wrong model: refused, and no output appears.
    QFile file(path("a.fppz"));
    QVERIFY(file.open(QIODevice::ReadOnly));
    QByteArray bytes = file.readAll();
    bytes[bytes.size() / 2] = char(bytes[bytes.size() / 2] ^ 1);
    QFile bad(path("bad.fppz"));
    QVERIFY(bad.open(QIODevice::WriteOnly));
    bad.write(bytes);
    bad.close();
    checkError(runFlowpp({"decompress", path("bad.fppz"), "--model", bundled, "--out", path("bad-out")}), 3, "damaged");
    QVERIFY(!QFileInfo::exists(path("bad-out")));
    auto tiny = runFlowpp({"train", "--model", modelsDir() + "/fmnist-tiny.json", "--data", tinyData(), "--steps", "1",
                           "--batch-size", "8", "--out", path("tiny-run")});
    QVERIFY2(tiny.code == 0, qPrintable(tiny.err));
    checkError(runFlowpp({"decompress", path("a.fppz"), "--model", path("tiny-run"), "--out", path("wrong-out")}), 3, "compressed with model");
    QVERIFY(!QFileInfo::exists(path("wrong-out")));
  }

  // gzip's 8-byte trailer holds the CRC-32 and the length: a file cut there is refused.
  void gzipWithoutItsTrailerIsRefused() {
    QFile in(tinyData());
    QVERIFY(in.open(QIODevice::ReadOnly));
    const QByteArray raw = in.readAll();
    QByteArray gz(int(compressBound(raw.size())) + 64, '\0');
    z_stream zs{};
    QVERIFY(deflateInit2(&zs, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) == Z_OK);  // 15 + 16: a gzip wrapper
    zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(raw.data()));
    zs.avail_in = uInt(raw.size());
    zs.next_out = reinterpret_cast<Bytef*>(gz.data());
    zs.avail_out = uInt(gz.size());
    QCOMPARE(deflate(&zs, Z_FINISH), Z_STREAM_END);
    gz.resize(int(zs.total_out));
    deflateEnd(&zs);
    for (const auto& [name, bytes] : {std::pair{QString("whole.idx.gz"), gz}, std::pair{QString("cut.idx.gz"), gz.left(gz.size() - 8)}}) {
      QFile out(path(name));
      QVERIFY(out.open(QIODevice::WriteOnly));
      out.write(bytes);
    }
    const QString bundled = modelsDir() + "/fmnist-small.fpp";
    auto whole = runFlowpp({"eval", "--model", bundled, "--data", path("whole.idx.gz"), "--limit", "2"});
    QVERIFY2(whole.code == 0, qPrintable(whole.err));
    checkError(runFlowpp({"eval", "--model", bundled, "--data", path("cut.idx.gz"), "--limit", "2"}), 3, "truncated gzip");
  }

  // The toy's results are numbers or an error: a diverging flow exits 1 and writes no picture;
  // options that cannot apply are refused before any training.
  void theToyReportsDivergenceAndRefusesOptionsItWouldIgnore() {
    checkError(runFlowpp({"toy", "--target", "checkerboard", "--steps", "400", "--lr", "0.5", "--out", path("diverged.png")}), 1,
               "not a finite number");
    QVERIFY(!QFile::exists(path("diverged.png")));
    checkError(runFlowpp({"toy", "--layers", "4", "--layer", "6", "--steps", "5"}), 2, "--layer 6: the flows have 4 layers");
    checkError(runFlowpp({"toy", "--dequant-1d", "--layers", "4", "--target", "moons"}), 2, "not use --target, --layers");
    checkError(runFlowpp({"toy", "--steps", "5", "--out", path("no/such/folder/x.png")}), 2, "does not exist");
  }

  // bench's figures are per image it timed; its memory and process counts are checked first.
  void benchTimesTheImagesItHasAndChecksFirst() {
    writeFashionIdx(path("three.idx"), 3, std::string(3 * 784, char(100)));
    const QString bundled = modelsDir() + "/fmnist-small.fpp";
    auto r = runFlowpp({"bench", "--model", bundled, "--data", path("three.idx"), "--batch-size", "32", "--steps", "1"});
    QVERIFY2(r.code == 0, qPrintable(r.err));
    const auto j = json::parse(r.out.trimmed().split('\n').last().toStdString());
    QCOMPARE(j["batch_size"].get<int>(), 3);
    QCOMPARE(j["requested_batch_size"].get<int>(), 32);
    // The peak is this CPU's own: one figure per instruction set it has, the fractions against the
    // best fp32 one (checked from the JSON's own numbers), the kernel table named.
    const auto& fma = j["fma_peak_gflops"];
    QCOMPARE(fma.contains("avx2_fp32"), __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"));
    QCOMPARE(fma.contains("avx512_fp32"), bool(__builtin_cpu_supports("avx512f")));
    QCOMPARE(fma.contains("avx512_bf16"), __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bf16"));
    double best = 0;
    for (const auto& [isa, gflops] : fma.items())
      if (isa.find("fp32") != std::string::npos) best = std::max(best, gflops.get<double>());
    QCOMPARE(j["fp32_peak_gflops"].get<double>(), best);
    QVERIFY(best > 0);
    QCOMPARE(j["eval_fraction_of_fp32_peak"].get<double>(), j["eval_achieved_gflops"].get<double>() / best);
    QVERIFY(!j["kernels"].get<std::string>().empty());
    checkError(runFlowpp({"bench", "--model", bundled, "--nproc", "2", "--data", path("nonexistent.idx")}), 3, "no such file");
    checkError(runFlowpp({"bench", "--model", modelsDir() + "/cifar10.json", "--batch-size", "4096", "--steps", "1"}), 2,
               "bench training at batch 4096");
    checkError(runFlowpp({"bench", "--model", bundled, "--nproc", "256"}), 2, "--nproc 256: this machine has");
  }

  void verboseShowsDetailsButStaysOneErrorLine() {
    auto r = runFlowpp({"--verbose", "sample", "--model", path("missing.fpp"), "--out", path("x.png")});
    checkError(r, 2, "no such file");
  }
};

FLOWPP_TEST_GUILESS_MAIN(TestCli)
#include "test_cli.moc"
