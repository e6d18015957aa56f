// Data readers on good and corrupt inputs, checkpoint and latent files (checksums), and the exact
// encode/decode round trip of the bundled model on real Fashion-MNIST images.
#include <QTemporaryDir>
#include <QtTest>

#include <fstream>

#include "../TestMain.h"
#include "Helpers.h"
#include "data/Dataset.h"
#include "data/ImageIo.h"
#include "explore/LatentFile.h"
#include "explore/Statistics.h"
#include "model/Checkpoint.h"
#include "util/AtomicFile.h"

using namespace flowpp;

namespace {
const std::string kFashionTest = "/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz";
const std::string kBundled = std::string(FLOWPP_SOURCE_DIR) + "/models/fmnist-small.fpp";

void writeBytes(const QString& path, const std::string& bytes) { std::ofstream(path.toStdString(), std::ios::binary) << bytes; }

std::string idxBytes(uint32_t n, uint32_t rows, uint32_t cols, int truncateBy = 0) {
  std::string b = {0, 0, 8, 3};
  for (uint32_t v : {n, rows, cols}) b += {char(v >> 24), char(v >> 16), char(v >> 8), char(v)};
  for (int64_t i = 0; i < int64_t(n) * rows * cols - truncateBy; ++i) b += char(i % 251);
  return b;
}

template <typename F>
QString errorOf(F&& f) {
  try {
    f();
  } catch (const std::exception& e) {
    return e.what();
  }
  return {};
}

bool sameTensors(const TensorMap& a, const TensorMap& b) {
  if (a.size() != b.size()) return false;
  for (const auto& [name, t] : a)
    if (!b.count(name) || !torch::equal(t, b.at(name))) return false;
  return true;
}
}  // namespace

class TestData : public QObject {
  Q_OBJECT
  QTemporaryDir dir_;
  QString path(const QString& name) { return dir_.filePath(name); }

 private Q_SLOTS:
  // The statistics the studio shows beside its pictures, on hand-checkable samples.
  void statisticsUsersRead() {
    const std::vector<double> tenths = {0.05, 0.15, 0.25, 0.35, 0.45, 0.55, 0.65, 0.75, 0.85, 0.95};
    auto h = histogramOf(tenths, 10, 0.05, std::nan(""));  // [0, 1] in ten bins: one value in each
    QCOMPARE(h.lo, 0.0);
    QCOMPARE(h.hi, 1.0);
    QCOMPARE(h.counts, std::vector<int64_t>(10, 1));
    h = histogramOf({1, 1, 2}, 2, 0, 3);  // widened to show 3: [1, 3] in two bins
    QCOMPARE(h.hi, 3.0);
    QCOMPARE(h.counts, (std::vector<int64_t>{2, 1}));
    QCOMPARE(percentBelow({1, 2, 3, 4}, 2.5), 50.0);
    QCOMPARE(percentBelow({1, 2, 3, 4}, 1.0), 0.0);  // strictly below
    QCOMPARE(quantileOf({5, 1, 3}, 0.5), 3.0);
    QCOMPARE(quantileOf({5, 1, 3}, 0.0), 1.0);
    QCOMPARE(quantileOf({5, 1, 3}, 1.0), 5.0);
    QCOMPARE(quantileOf({}, 0.5), 0.0);
  }

  void idxPlainAndGzip() {
    writeBytes(path("ok.idx"), idxBytes(5, 3, 4));
    auto d = loadDataset(path("ok.idx").toStdString());
    QCOMPARE(d.images.sizes(), (torch::IntArrayRef{5, 1, 3, 4}));
    QCOMPARE(d.images[0][0][0][1].item<int>(), 1);
    auto fm = loadDataset(kFashionTest, 100);
    QCOMPARE(fm.images.sizes(), (torch::IntArrayRef{100, 1, 28, 28}));
    QVERIFY(fm.images.max().item<int>() > 200);
  }

  void idxCorruptInputsNameTheFileAndProblem() {
    writeBytes(path("trunc.idx"), idxBytes(5, 3, 4, 7));
    QVERIFY(errorOf([&] { loadDataset(path("trunc.idx").toStdString()); }).contains("truncated"));
    std::string labels = {0, 0, 8, 1, 0, 0, 0, 1, 3};
    writeBytes(path("labels.idx"), labels);
    QVERIFY(errorOf([&] { readIdx(path("labels.idx").toStdString()); }).contains("label file"));
    writeBytes(path("bad.gz"), std::string("\x1f\x8b\x08\x00garbage", 12));
    auto e = errorOf([&] { loadDataset(path("bad.gz").toStdString()); });
    QVERIFY2(e.contains("bad.gz") && e.contains("gzip"), qPrintable(e));
    writeBytes(path("notes.txt"), "hello");
    QVERIFY(errorOf([&] { loadDataset(path("notes.txt").toStdString()); }).contains("unsupported data format"));
    writeBytes(path("empty.idx"), idxBytes(0, 28, 28));
    QVERIFY(errorOf([&] { loadDataset(path("empty.idx").toStdString()); }).contains("no images"));
  }

  void aHeaderClaimingBillionsOfImagesIsRefusedBeforeAllocating() {
    // 2^31 images of 28x28 in a 100-byte file: refused from the header, no 1.6 TB allocation.
    auto bytes = idxBytes(0, 28, 28);
    bytes[4] = char(0x80);
    bytes += std::string(84, '\0');
    const auto e = errorOf([&] { readIdxBytes(bytes, "huge.idx"); });
    QVERIFY2(e.contains("truncated") && e.contains("2147483648 images"), qPrintable(e));
  }

  void cifarGoodAndCorrupt() {
    std::string rec(3073, char(7));
    rec[0] = 3;
    writeBytes(path("data_batch_1.bin"), rec + rec);
    auto d = loadDataset(path("data_batch_1.bin").toStdString());
    QCOMPARE(d.images.sizes(), (torch::IntArrayRef{2, 3, 32, 32}));
    QCOMPARE(d.labels, (std::vector<int64_t>{3, 3}));
    QCOMPARE(d.classes[3], std::string("cat"));
    writeBytes(path("short.bin"), rec.substr(0, 3000));
    QVERIFY(errorOf([&] { readCifar(path("short.bin").toStdString()); }).contains("3073"));
    rec[0] = 42;
    writeBytes(path("label.bin"), rec);
    QVERIFY(errorOf([&] { readCifar(path("label.bin").toStdString()); }).contains("label 42"));
  }

  void imageFolderGoodAndUnreadable() {
    QDir().mkpath(path("imgs"));
    RandomScope rng(401);
    auto a = test::randint(0, 255, {3, 10, 12}).to(torch::kUInt8);
    writePng(path("imgs/a.png").toStdString(), a);
    writePng(path("imgs/b.png").toStdString(), a);
    auto d = loadDataset(path("imgs").toStdString());
    QCOMPARE(d.images.sizes(), (torch::IntArrayRef{2, 3, 10, 12}));
    QVERIFY(torch::equal(d.images[0], a));
    // At a model's shape: another size is an error that names both sizes, unless resized on purpose
    // (and then the note says what was done).
    DataOptions atModel;
    atModel.shape = ImageShape{1, 28, 28};
    const auto refused = errorOf([&] { loadDataset(path("imgs").toStdString(), atModel); });
    QVERIFY2(refused.contains("12x10 colour") && refused.contains("28x28 grey") && refused.contains("--resize"), qPrintable(refused));
    atModel.resize = true;
    auto converted = loadDataset(path("imgs").toStdString(), atModel);
    QCOMPARE(converted.images.sizes(), (torch::IntArrayRef{2, 1, 28, 28}));
    QVERIFY2(QString::fromStdString(converted.note).contains("resized from 12x10 to 28x28"), converted.note.c_str());
    writeBytes(path("imgs/c.png"), "not a png");
    QVERIFY(errorOf([&] { loadDataset(path("imgs").toStdString()); }).contains("c.png"));
    QVERIFY(errorOf([&] { requireShape(d, {1, 28, 28}); }).contains("model expects 1x28x28"));
    QVERIFY(errorOf([&] { loadDataset(path("imgs").toStdString(), -1); }).contains("--limit -1"));
  }

  // A CIFAR-10 folder trains on its data_batch_*.bin files only; its test_batch.bin is read only as
  // test data. (Reading the whole folder used to train on the test set.)
  void cifarFolderKeepsItsTestBatchApart() {
    QDir().mkpath(path("cifar"));
    std::string train(3073, char(1)), test(3073, char(2));
    train[0] = 0, test[0] = 9;
    writeBytes(path("cifar/data_batch_1.bin"), train + train);
    writeBytes(path("cifar/data_batch_2.bin"), train);
    writeBytes(path("cifar/test_batch.bin"), test);
    writeBytes(path("cifar/readme.html"), "<p>notes</p>");
    auto trainSet = loadDataset(path("cifar").toStdString());
    QCOMPARE(trainSet.size(), int64_t(3));
    QVERIFY((trainSet.images == 1).all().item<bool>());
    DataOptions asTest;
    asTest.role = DataRole::Test;
    auto testSet = loadDataset(path("cifar").toStdString(), asTest);
    QCOMPARE(testSet.size(), int64_t(1));
    QCOMPARE(testSet.labels, (std::vector<int64_t>{9}));
  }

  // A folder of class subfolders is read with its labels; a stray .bin among images does not turn it
  // into a CIFAR-10 folder (it is skipped and the note says so).
  void imageFolderClassesAndStrayFiles() {
    for (const char* cls : {"cats", "dogs"}) QDir().mkpath(path(QString("classes/") + cls));
    RandomScope rng(403);
    auto img = test::randint(0, 255, {1, 6, 6}).to(torch::kUInt8);
    writePng(path("classes/cats/1.png").toStdString(), img);
    writePng(path("classes/dogs/1.png").toStdString(), img);
    writePng(path("classes/dogs/2.png").toStdString(), img);
    auto d = loadDataset(path("classes").toStdString());
    QCOMPARE(d.size(), int64_t(3));
    QCOMPARE(d.classes, (std::vector<std::string>{"cats", "dogs"}));
    QCOMPARE(d.labels, (std::vector<int64_t>{0, 1, 1}));
    QDir().mkpath(path("stray"));
    writePng(path("stray/a.png").toStdString(), img);
    writeBytes(path("stray/weights.bin"), std::string(100, 'x'));
    auto s = loadDataset(path("stray").toStdString());
    QCOMPARE(s.format, std::string("images"));
    QCOMPARE(s.size(), int64_t(1));
    QVERIFY2(QString::fromStdString(s.note).contains("1 file(s) that are not images skipped"), s.note.c_str());
  }

  // Fashion-MNIST's images come with the labels file beside them.
  void idxImagesComeWithTheirLabels() {
    auto d = loadDataset(kFashionTest, 10);
    QCOMPARE(int64_t(d.labels.size()), int64_t(10));
    QCOMPARE(d.classes[9], std::string("Ankle boot"));
    QCOMPARE(d.labels[0], int64_t(9));  // the first test image is an ankle boot
  }

  void pixelsRoundTripAndColourMap() {
    RandomScope rng(402);
    auto img = test::randint(0, 256, {3, 5, 7}).to(torch::kUInt8);
    auto p = toPixels(img);
    QCOMPARE(p.channels, 3);
    QCOMPARE(p.data[(2 * 7 + 3) * 3 + 1], img[1][2][3].item<uint8_t>());  // (y=2, x=3, channel 1)
    QVERIFY(torch::equal(fromPixels(p), img));
    // The colour map is monotone in brightness from its dark end to its bright end.
    auto map = colourMap({0.0, 0.5, 1.0, std::nan("")}, 4, 1, 0.0, 1.0);
    auto luma = [&](int i) { return 0.3 * map.data[i * 3] + 0.59 * map.data[i * 3 + 1] + 0.11 * map.data[i * 3 + 2]; };
    QVERIFY(luma(0) < luma(1) && luma(1) < luma(2));
    QCOMPARE(int(map.data[9]), 128);  // NaN shows grey
  }

  // A tensor made from pixels owns its bytes, grey images too (the studio once decoded freed memory:
  // for one channel the permuted view was already "contiguous" and kept pointing into the buffer).
  void aTensorFromPixelsOwnsItsBytes() {
    RandomScope rng(403);
    for (int channels : {1, 3}) {
      auto img = test::randint(1, 256, {channels, 4, 6}).to(torch::kUInt8);
      auto p = toPixels(img);
      auto t = fromPixels(p);
      std::fill(p.data.begin(), p.data.end(), uint8_t(0));
      QVERIFY2(torch::equal(t, img), qPrintable(QString("%1 channel(s): the tensor changed with the buffer").arg(channels)));
    }
  }

  void corruptCheckpointIsRejected() {
    writeBytes(path("bad.fpp"), "PK\x03\x04 truncated");
    auto e = errorOf([&] { loadModel(path("bad.fpp").toStdString()); });
    QVERIFY2(e.contains("bad.fpp") && e.contains("not a usable Flow++ checkpoint"), qPrintable(e));
  }

  // Every single-byte flip of a checkpoint either is refused or leaves the content exactly as it
  // was (a byte of zip padding); a flip never changes the model silently.
  void byteFlipsNeverChangeTheModelSilently() {
    auto original = readCheckpoint(kBundled);
    saveCheckpoint(path("flip.fpp").toStdString(), original, true);
    const auto bytes = readFile(path("flip.fpp").toStdString());
    const auto reference = checkpointFromBytes(bytes, "reference");
    QVERIFY(reference.verified);
    RandomScope rng(403);
    int refused = 0, tried = 0;
    for (int i = 0; i < 200; ++i) {
      auto corrupt = bytes;
      const auto at = size_t(test::randint(0, int64_t(bytes.size()), {1}).item<float>());
      corrupt[at] = char(corrupt[at] ^ (1 + i % 255));
      ++tried;
      try {
        const auto ck = checkpointFromBytes(corrupt, "flipped");
        QVERIFY2(sameTensors(ck.weights, reference.weights) && ck.config.toJson() == reference.config.toJson() &&
                     ck.meta == reference.meta,
                 qPrintable(QString("a flip at byte %1 changed the model and was accepted").arg(at)));
      } catch (const CheckpointError&) {
        ++refused;
      }
    }
    qInfo("%d of %d single-byte flips refused; the rest hit bytes the content does not use", refused, tried);
    QVERIFY(refused > tried * 9 / 10);
  }

  void aConfigEditedInsideACheckpointIsRefused() {
    saveCheckpoint(path("edit.fpp").toStdString(), readCheckpoint(kBundled), true);
    const auto bytes = readFile(path("edit.fpp").toStdString());
    // In place: one config character changed in the file; the archive's record CRC catches it.
    auto edited = bytes;
    const auto at = edited.find("\"filters\":32");
    QVERIFY(at != std::string::npos);
    edited[at + 11] = '6';  // "filters":36
    auto e = errorOf([&] { checkpointFromBytes(edited, "edited.fpp"); });
    QVERIFY2(e.contains("CRC-32"), qPrintable(e));
    // Re-archived by a tool that writes fresh record CRCs: the checkpoint's own checksum catches it.
    auto top = torch::pickle_load(std::vector<char>(bytes.begin(), bytes.end())).toGenericDict();
    auto config = top.at(std::string("config")).toStringRef();
    config.replace(config.find("\"filters\":32"), 12, "\"filters\":36");
    top.insert_or_assign(std::string("config"), config);
    const auto rewritten = torch::pickle_save(c10::IValue(top));
    e = errorOf([&] { checkpointFromBytes(std::string(rewritten.begin(), rewritten.end()), "rewritten.fpp"); });
    QVERIFY2(e.contains("checksum"), qPrintable(e));
  }

  void latentFilesCarryAChecksum() {
    auto loaded = loadModel(kBundled);
    RandomScope rng(404);
    auto z = test::randn({2, 4, 14, 14});
    writeLatents(path("z.lat").toStdString(), z, loaded.model->config(), "test");
    auto back = readLatents(path("z.lat").toStdString());
    QVERIFY(torch::equal(back.z, z));
    auto bytes = readFile(path("z.lat").toStdString());
    bytes[bytes.size() / 2] ^= 0x40;
    QVERIFY(!errorOf([&] { latentsFromBytes(bytes, "z.lat"); }).isEmpty());
  }

  void bundledModelEncodeDecodeIsExactOnFashionMnist() {
    auto loaded = loadModel(kBundled);
    auto data = loadDataset(kFashionTest, 32);
    auto x = quantize(data.images, loaded.model->config().nBits);
    auto r = loaded.model->decode(loaded.model->encode(x));
    QVERIFY(r.converged);
    QVERIFY(torch::equal(r.x, x));
  }
};

FLOWPP_TEST_GUILESS_MAIN(TestData)
#include "test_data.moc"
