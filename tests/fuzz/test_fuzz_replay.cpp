// Deterministic fuzzing of every reader, as a CTest test: a seed corpus of valid files (written by
// the product's own writers) plus a few thousand mutations per reader — truncation at every header
// offset and many later ones, byte flips, inserted and repeated chunks, huge and zero dimensions,
// wrong types and out-of-range values in every config field, checkpoints and latent files re-saved
// (valid checksum) with broken contents. Pass: no crash (the sanitizer build checks memory and UB
// too), no hang, no unbounded allocation (a std::bad_alloc fails the test), a clear refusal or a
// correct read. The counts are printed per reader.
#include <QElapsedTimer>
#include <QtTest>

#include <zlib.h>

#include <sys/resource.h>

#include <random>

#include "../TestMain.h"
#include "FuzzTargets.h"
#include "codec/ClassicalCodecs.h"
#include "codec/Compressor.h"
#include "data/ImageIo.h"
#include "explore/LatentFile.h"
#include "explore/SelfCheck.h"
#include "model/Checkpoint.h"
#include "util/AtomicFile.h"
#include "util/Random.h"

using namespace flowpp;
using namespace flowpp::fuzz;
using nlohmann::json;

namespace {

std::string be32(uint32_t v) { return {char(v >> 24), char(v >> 16), char(v >> 8), char(v)}; }

std::string gzip(const std::string& raw) {
  z_stream zs{};
  deflateInit2(&zs, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
  std::string out(deflateBound(&zs, raw.size()) + 32, '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(raw.data()));
  zs.avail_in = uInt(raw.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = uInt(out.size());
  deflate(&zs, Z_FINISH);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return out;
}

std::string idx(uint32_t n, uint32_t rows, uint32_t cols, size_t payload) {
  std::string b = be32(0x803) + be32(n) + be32(rows) + be32(cols);
  for (size_t i = 0; i < payload; ++i) b += char(i * 7);
  return b;
}

std::string png(int w, int h, int channels) {
  RandomScope scope(uint64_t(w * 31 + h));
  return encodePng((uniform({channels, h, w}) * 255).to(torch::kUInt8));
}

// A PNG whose header claims w x h (the chunk's CRC recomputed, so the claim is believed).
std::string pngClaiming(uint32_t w, uint32_t h) {
  auto p = png(4, 4, 1);
  p.replace(16, 8, be32(w) + be32(h));
  const uint32_t crc = crc32(0, reinterpret_cast<const Bytef*>(p.data() + 12), 17);
  p.replace(29, 4, be32(crc));
  return p;
}

Checkpoint tinyCheckpoint() {
  Checkpoint ck;
  ck.config = tinyCheckConfig(SplitType::Stripe, AttentionMode::Self, true, false);
  ck.weights = stateOf(*buildModel(ck.config, 3));
  ck.meta = {{"step", 3}};
  return ck;
}

std::string saved(const Checkpoint& ck) {
  static int counter = 0;
  const auto path = QDir::temp().filePath(QString("flowpp-fuzz-%1.fpp").arg(counter++)).toStdString();
  saveCheckpoint(path, ck);
  auto bytes = readFile(path);
  std::remove(path.c_str());
  return bytes;
}

// Every numeric leaf of a JSON value, by JSON pointer.
void leaves(const json& j, const json::json_pointer& at, std::vector<json::json_pointer>& out) {
  if (j.is_object())
    for (auto& [k, v] : j.items()) leaves(v, at / k, out);
  else if (j.is_array())
    for (size_t i = 0; i < j.size(); ++i) leaves(j[i], at / i, out);
  else
    out.push_back(at);
}

}  // namespace

class TestFuzzReplay : public QObject {
  Q_OBJECT

  // Truncations, flips, inserts and repeats of every seed, deterministic from `seed`.
  static std::vector<std::string> mutations(const std::vector<std::string>& seeds, uint64_t seed, int flipsPerSeed) {
    std::vector<std::string> out;
    std::mt19937_64 rng(seed);
    for (const auto& s : seeds) {
      for (size_t cut = 0; cut < std::min<size_t>(s.size(), 320); ++cut) out.push_back(s.substr(0, cut));
      for (int i = 1; i <= 40 && s.size() > 320; ++i) out.push_back(s.substr(0, s.size() * i / 41));
      for (int i = 0; i < flipsPerSeed && !s.empty(); ++i) {
        auto m = s;
        const size_t at = rng() % s.size();
        m[at] = char(m[at] ^ (1 << (rng() % 8)) ^ (i % 3 == 0 ? 0xff : 0));
        out.push_back(m);
      }
      for (int i = 0; i < 20 && !s.empty(); ++i) {
        auto m = s;
        const size_t at = rng() % s.size(), len = 1 + rng() % 64;
        if (i % 2) m.insert(at, s.substr(at, len));         // a repeated chunk
        else m.insert(at, std::string(len, char(rng())));  // junk
        out.push_back(m);
      }
    }
    return out;
  }

  // With FLOWPP_FUZZ_SEEDS=<folder>, up to 300 of a reader's inputs (spread over all of them) are
  // also written to <folder>/<reader>/: the starting corpus of the libFuzzer runs (installer/test.sh --fuzz).
  static void writeSeeds(Target t, const std::vector<std::string>& inputs) {
    const QString root = qEnvironmentVariable("FLOWPP_FUZZ_SEEDS");
    if (root.isEmpty() || inputs.empty()) return;
    const QString dir = root + "/" + QString::fromStdString(nameOf(t));
    QVERIFY(QDir().mkpath(dir));
    const size_t every = std::max<size_t>(1, inputs.size() / 300);
    for (size_t i = 0; i < inputs.size(); i += every) {
      QFile f(dir + QString("/%1").arg(i, 6, 10, QChar('0')));
      QVERIFY(f.open(QIODevice::WriteOnly));
      f.write(inputs[i].data(), qint64(inputs[i].size()));
    }
  }

  static void replay(Target t, const std::vector<std::string>& inputs) {
    writeSeeds(t, inputs);
    int read = 0, refused = 0;
    double slowest = 0;
    for (size_t i = 0; i < inputs.size(); ++i) {
      QElapsedTimer timer;
      timer.start();
      try {
        (runTarget(t, inputs[i]) == Outcome::Read ? read : refused)++;
      } catch (const std::bad_alloc&) {
        QFAIL(qPrintable(QString("%1 input %2: tried to allocate without bound").arg(QString::fromStdString(nameOf(t))).arg(i)));
      } catch (const std::exception& e) {
        QFAIL(qPrintable(QString("%1 input %2: unexpected %3").arg(QString::fromStdString(nameOf(t))).arg(i).arg(e.what())));
      }
      slowest = std::max(slowest, timer.elapsed() / 1000.0);
      QVERIFY2(timer.elapsed() < 5000, qPrintable(QString("%1 input %2 took %3 s").arg(QString::fromStdString(nameOf(t))).arg(i).arg(timer.elapsed() / 1000.0)));
    }
    qInfo("%s: %zu inputs, %d read, %d refused with a message, slowest %.3f s", nameOf(t).c_str(), inputs.size(), read,
          refused, slowest);
  }

 private Q_SLOTS:
  // "No unbounded allocation" made checkable: beyond 8 GiB of address space an allocation fails
  // with std::bad_alloc, which fails the test. (Not under AddressSanitizer, which reserves far more.)
  void initTestCase() {
#ifndef __SANITIZE_ADDRESS__
    const rlimit limit{rlim_t(8) << 30, rlim_t(8) << 30};
    QVERIFY(setrlimit(RLIMIT_AS, &limit) == 0);
#endif
  }

  void idx() {
    std::vector<std::string> seeds = {::idx(3, 4, 5, 60), gzip(::idx(2, 6, 6, 72))};
    auto inputs = mutations(seeds, 1, 1500);
    for (uint32_t v : {0u, 1u, 4096u, 4097u, 65535u, 1u << 31, 0xffffffffu}) {
      inputs.push_back(::idx(v, 4, 5, 60));
      inputs.push_back(::idx(3, v, 5, 60));
      inputs.push_back(::idx(3, 4, v, 60));
      inputs.push_back(gzip(::idx(v, 28, 28, 784)));
    }
    inputs.push_back(gzip(std::string(1 << 20, '\0')));  // a gzip bomb without an IDX header
    inputs.push_back(gzip(::idx(0xffffffffu, 0xffffffffu, 0xffffffffu, 60)));  // a size beyond 2^64 (found by libFuzzer)
    replay(Target::Idx, inputs);
  }

  void cifar() {
    std::string record(3073, '\x07');
    record[0] = 3;
    auto inputs = mutations({record + record}, 2, 1500);
    for (int label : {0, 9, 10, 255}) {
      auto r = record;
      r[0] = char(label);
      inputs.push_back(r);
    }
    for (size_t n : {0, 1, 3072, 3074, 3073 * 3 - 1}) inputs.push_back(std::string(n, '\x01'));
    replay(Target::Cifar, inputs);
  }

  void image() {
    std::vector<std::string> seeds = {png(8, 6, 1), png(5, 7, 3)};
    auto inputs = mutations(seeds, 3, 1500);
    for (uint32_t v : {0u, 1u, 65535u, 100000u, 0x7fffffffu, 0xffffffffu}) {
      inputs.push_back(pngClaiming(v, 4));
      inputs.push_back(pngClaiming(4, v));
      inputs.push_back(pngClaiming(v, v));
    }
    replay(Target::Image, inputs);
  }

  void imageFolder() {
    const auto a = png(6, 6, 1), b = png(6, 6, 1), c = png(9, 5, 3);
    auto inputs = mutations({a + "|" + b, a + "|" + c}, 4, 600);
    inputs.push_back("|");
    replay(Target::ImageFolder, inputs);
  }

  void config() {
    QFile f(QString(FLOWPP_SOURCE_DIR) + "/models/fmnist-tiny.json");
    QVERIFY(f.open(QIODevice::ReadOnly));
    const std::string text = f.readAll().toStdString();
    auto inputs = mutations({text}, 5, 600);
    const auto base = json::parse(text);
    std::vector<json::json_pointer> paths;
    leaves(base, json::json_pointer(), paths);
    const std::vector<json> values = {0, -1, 1000000, 4294967312LL, 1e308, 16.7, -0.5, "x", json::array(), json::object(),
                                      nullptr, true, 3};
    for (const auto& p : paths) {
      for (const auto& v : values) {
        auto j = base;
        j[p] = v;
        inputs.push_back(j.dump());
      }
      auto j = base;  // and the field removed
      auto& parent = j[p.parent_pointer()];
      if (parent.is_object()) parent.erase(p.back());
      else parent.erase(std::stoul(p.back()));
      inputs.push_back(j.dump());
    }
    for (const char* s : {"", "{", "[]", "5", "null", "{\"flow\": 5}", "{\"flow\": {\"stages\": []}}"}) inputs.push_back(s);
    // Numbers beyond a double (the JSON parser reports them as out_of_range, not as a parse error;
    // found by libFuzzer: it escaped as an uncaught exception).
    for (const char* number : {"2e+308", "-1e400", "1e99999"}) {
      auto j = text;
      const std::string field = "\"n_bits\": 8";
      const auto at = j.find(field);
      QVERIFY(at != std::string::npos);
      j.replace(at, field.size(), "\"n_bits\": " + std::string(number));
      QVERIFY2(runTarget(Target::Config, j) == Outcome::Refused, number);
      inputs.push_back(j);
    }
    inputs.push_back(text + "\ntrailing");
    replay(Target::Config, inputs);
  }

  void checkpoint() {
    const auto ck = tinyCheckpoint();
    const auto bytes = saved(ck);
    auto inputs = mutations({bytes}, 6, 1200);
    // Re-saved with a valid checksum but broken contents: every one must be refused by the check
    // of the contents themselves.
    auto wider = ck;
    wider.config.flow.net.filters = 12;  // weights no longer fit the config
    inputs.push_back(saved(wider));
    auto nan = ck;
    nan.weights.begin()->second = nan.weights.begin()->second.clone().fill_(std::nan(""));
    inputs.push_back(saved(nan));
    auto missing = ck;
    missing.weights.erase(missing.weights.begin());
    inputs.push_back(saved(missing));
    auto badConfig = ck;
    badConfig.config.dequantizer.net.heads = 0;
    inputs.push_back(saved(badConfig));
    for (size_t i = inputs.size() - 4; i < inputs.size(); ++i)
      QVERIFY2(runTarget(Target::Checkpoint, inputs[i]) == Outcome::Refused, "a broken checkpoint with a valid checksum was accepted");
    replay(Target::Checkpoint, inputs);
  }

  void latents() {
    auto config = tinyCheckConfig(SplitType::Stripe, AttentionMode::Self, true, false);
    RandomScope scope(7);
    const auto path = QDir::temp().filePath("flowpp-fuzz.lat").toStdString();
    auto save = [&](const torch::Tensor& z) {
      writeLatents(path, z, config, "fuzz");
      return readFile(path);
    };
    auto inputs = mutations({save(normal({2, 8, 2, 2}))}, 7, 1200);
    auto z = normal({2, 8, 2, 2});
    z[1][0][0][0] = INFINITY;
    inputs.push_back(save(z));
    inputs.push_back(save(normal({8, 2})));
    inputs.push_back(save(torch::zeros({0, 8, 2, 2})));
    // A zip64 end record whose directory offset disagrees with the plain end record's: LibTorch's
    // zip reader trusts it and read past the buffer (found by libFuzzer, 2026-12-05).
    auto bad = save(normal({2, 8, 2, 2}));
    const auto record = bad.rfind(std::string("PK\x06\x06", 4));
    QVERIFY(record != std::string::npos);
    for (size_t i = 0; i < 8; ++i) bad[record + 48 + i] = '\xff';
    QVERIFY(runTarget(Target::Latents, bad) == Outcome::Refused);
    inputs.push_back(bad);
    std::remove(path.c_str());
    replay(Target::Latents, inputs);
  }

  // .fppz files: an archive of three images, and one-image files with the flow's stream and with
  // each classical codec's file (written by the product's compressor with a tiny model).
  void archive() {
    RandomScope scope(9);
    auto config = tinyCheckConfig(SplitType::Stripe, AttentionMode::None, true, false);
    auto model = buildModel(config, 9);
    const auto images = (uniform({3, config.channels, config.height, config.width}) * 255).to(torch::kLong);
    codec::CompressOptions o;
    o.modelBound = false;
    o.names = {"a.png", "b/c.png", "d.png"};
    std::vector<std::string> seeds = {codec::compressImages(model, images, o).file};
    o.names = {"one.png"};
    seeds.push_back(codec::compressImages(model, images.narrow(0, 0, 1), o).file);
    auto a = codec::parseArchive(seeds.back(), "seed");
    for (auto codecId : {codec::ClassicalCodec::Png, codec::ClassicalCodec::Webp, codec::ClassicalCodec::JpegXl}) {
      const auto grey = images[0][0].unsqueeze(0).to(torch::kUInt8).contiguous();
      const auto f = codec::encodeClassical(codecId, grey);
      if (!f.available) continue;
      auto c = a;
      c.header.payload = codecId == codec::ClassicalCodec::Png ? codec::ArchivePayload::Png
                         : codecId == codec::ClassicalCodec::Webp ? codec::ArchivePayload::Webp : codec::ArchivePayload::JpegXl;
      c.streams[0].bytes = f.bytes, c.streams[0].bytesCrc = 0;
      c.header.channels = 1;  // the tiny model's images have 2 channels; a classical file holds 1 or 3
      c.streams[0].pixelsCrc = codec::crc32Of(grey.data_ptr<uint8_t>(), size_t(grey.numel()));
      seeds.push_back(codec::serialiseArchive(c));
    }
    for (const auto& seed : seeds) QVERIFY(runTarget(Target::Archive, seed) == Outcome::Read);
    replay(Target::Archive, mutations(seeds, 9, 400));
  }

  void metrics() {
    const std::string lines =
        "{\"event\":\"start\",\"parameters\":144128,\"step\":0}\n{\"step\":10,\"epoch\":0.1,\"train_bpd\":5.5,\"lr\":0.001}\n"
        "{\"step\":20,\"train_bpd\":5.1,\"test_bpd\":5.2,\"wall_seconds\":3}\n{\"event\":\"stopped\",\"step\":20}\n";
    auto inputs = mutations({lines}, 8, 1500);
    for (const char* s : {"{\"step\":\"x\",\"train_bpd\":1}", "{\"event\":5}", "[1,2]", "{\"step\":1e400,\"train_bpd\":1}",
                          "{\"event\":\"start\",\"parameters\":\"many\"}", "\n\n\n", "{\"step\":1,\"train_bpd\":null}",
                          // beyond an int64 (found by libFuzzer)
                          "{\"event\":\"resume\",\"parameters\":1e300}", "{\"event\":\"stopped\",\"step\":-1e300}"})
      inputs.push_back(s);
    replay(Target::Metrics, inputs);
  }
};

FLOWPP_TEST_GUILESS_MAIN(TestFuzzReplay)
#include "test_fuzz_replay.moc"
