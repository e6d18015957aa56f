#include "codec/ArchiveFile.h"

#include <zlib.h>

#include <limits>

namespace flowpp::codec {

namespace {

constexpr char kMagic[4] = {'F', 'P', 'P', 'Z'};
constexpr int64_t kMaxNameBytes = 4096;  // per image, after inflating

class Writer {
 public:
  void bytes(const std::string& b) { out_ += b; }
  template <typename T>
  void integer(T value, int size) {
    for (int i = 0; i < size; ++i) out_.push_back(char((uint64_t(value) >> (8 * i)) & 0xff));
  }
  void text(const std::string& t) {
    integer(std::min<size_t>(t.size(), 255), 1);
    out_ += t.substr(0, 255);
  }
  std::string& out() { return out_; }

 private:
  std::string out_;
};

class Reader {
 public:
  Reader(const std::string& bytes, const std::string& source) : b_(bytes), source_(source) {}
  uint64_t integer(int size, const char* what) {
    need(size_t(size), what);
    uint64_t v = 0;
    for (int i = 0; i < size; ++i) v |= uint64_t(uint8_t(b_[at_ + size_t(i)])) << (8 * i);
    at_ += size_t(size);
    return v;
  }
  std::string bytes(uint64_t n, const char* what) {
    need(n, what);
    auto s = b_.substr(at_, size_t(n));
    at_ += size_t(n);
    return s;
  }
  std::string text(const char* what) { return bytes(integer(1, what), what); }
  size_t at() const { return at_; }
  [[noreturn]] void fail(const std::string& what) const { throw ArchiveError(source_ + ": " + what); }

 private:
  void need(uint64_t n, const char* what) const {
    if (n > b_.size() - at_)
      fail("the file ends inside its " + std::string(what) + " (at byte " + std::to_string(at_) + " of " +
           std::to_string(b_.size()) + "): it was cut short");
  }
  const std::string& b_;
  const std::string& source_;
  size_t at_ = 0;
};

std::string deflateNames(const std::vector<std::string>& names) {
  if (names.empty()) return {};
  std::string joined;
  for (size_t i = 0; i < names.size(); ++i) joined += (i ? "\n" : "") + names[i];
  uLongf size = compressBound(uLong(joined.size()));
  std::string out(size, '\0');
  if (compress2(reinterpret_cast<Bytef*>(out.data()), &size, reinterpret_cast<const Bytef*>(joined.data()), uLong(joined.size()), 9) != Z_OK)
    throw std::runtime_error("could not deflate the images' names");
  out.resize(size);
  // The inflated length first, so that the reader knows the buffer it needs (and can refuse a lie).
  Writer w;
  w.integer(joined.size(), 4);
  return w.out() + out;
}

std::vector<std::string> inflateNames(const std::string& block, int64_t count, const Reader& r) {
  if (block.empty()) return {};
  if (block.size() < 4) r.fail("its names block is too short");
  uint64_t length = 0;
  for (int i = 0; i < 4; ++i) length |= uint64_t(uint8_t(block[size_t(i)])) << (8 * i);
  if (int64_t(length) > count * kMaxNameBytes) r.fail("its names block claims " + std::to_string(length) + " bytes for " + std::to_string(count) + " images");
  std::string joined(length, '\0');
  uLongf size = uLongf(length);
  if (uncompress(reinterpret_cast<Bytef*>(joined.data()), &size, reinterpret_cast<const Bytef*>(block.data() + 4), uLong(block.size() - 4)) != Z_OK ||
      size != length)
    r.fail("its names block does not inflate");
  std::vector<std::string> names;
  size_t start = 0;
  for (size_t i = 0; i <= joined.size(); ++i)
    if (i == joined.size() || joined[i] == '\n') {
      names.push_back(joined.substr(start, i - start));
      start = i + 1;
    }
  if (int64_t(names.size()) != count) r.fail("it names " + std::to_string(names.size()) + " images but holds " + std::to_string(count));
  return names;
}

}  // namespace

uint32_t crc32Of(const void* data, size_t n) {
  uLong crc = crc32(0L, Z_NULL, 0);
  const auto* p = static_cast<const Bytef*>(data);
  while (n > 0) {
    const auto chunk = uInt(std::min<size_t>(n, 1u << 30));
    crc = crc32(crc, p, chunk);
    p += chunk, n -= chunk;
  }
  return uint32_t(crc);
}

std::string serialiseArchive(const Archive& a) {
  const auto& h = a.header;
  Writer w;
  w.bytes(std::string(kMagic, 4));
  w.integer(kArchiveVersion, 1);
  w.integer(uint8_t(h.kind), 1);
  if (h.kind == ArchiveKind::SingleImage) w.integer(uint8_t(h.payload), 1);
  if (h.kind == ArchiveKind::SingleImage && h.payload != ArchivePayload::Flow) {
    w.integer(h.nBits, 1);
    w.integer(h.channels, 1);
    w.text(a.names.empty() ? std::string() : a.names[0]);
    w.integer(a.streams.at(0).pixelsCrc, 4);
    w.bytes(a.streams.at(0).bytes);
    w.integer(crc32Of(w.out().data(), w.out().size()), 4);
    return w.out();
  }
  w.integer(h.modelFingerprint, 8);
  w.integer(h.nBits, 1);
  w.integer(h.channels, 2), w.integer(h.height, 2), w.integer(h.width, 2);
  w.integer(h.count, 4);
  w.integer(int8_t(h.log2Sigma), 1), w.integer(h.precisionBits, 1), w.integer(h.gridBits, 1), w.integer(h.maxBatch, 2);
  w.text(h.kernels);
  w.text(h.cpu);
  w.integer(a.streams.size(), 2);
  for (const auto& s : a.streams) {
    w.integer(s.images, 4);
    w.integer(s.bytes.size(), 4);
    w.integer(s.bytesCrc ? s.bytesCrc : crc32Of(s.bytes.data(), s.bytes.size()), 4);
    w.integer(s.pixelsCrc, 4);
  }
  const auto names = deflateNames(a.names);
  w.integer(names.size(), 4);
  w.bytes(names);
  for (const auto& s : a.streams) w.bytes(s.bytes);
  w.integer(crc32Of(w.out().data(), w.out().size()), 4);
  return w.out();
}

namespace {
// A one-image file holding a classical codec's file: the short layout. The shape is the codec's
// file's (0 here until it is decoded).
Archive readClassicalFields(Reader& r, const std::string& bytes, Archive a) {
  a.header.count = 1;
  a.header.nBits = int(r.integer(1, "header"));
  a.header.channels = int64_t(r.integer(1, "header"));
  const auto name = r.text("name");
  if (!name.empty()) a.names = {name};
  ArchiveStream s;
  s.images = 1;
  s.pixelsCrc = uint32_t(r.integer(4, "header"));
  if (bytes.size() < r.at() + 4) r.fail("the file ends before its image: it was cut short");
  s.bytes = r.bytes(bytes.size() - r.at() - 4, "image");
  s.bytesCrc = crc32Of(s.bytes.data(), s.bytes.size());
  a.streams.push_back(std::move(s));
  r.integer(4, "final checksum");
  return a;
}

// Reads the fields; checks only what reading needs (sizes within the file).
Archive readFields(Reader& r, const std::string& bytes, std::string& namesBlock) {
  Archive a;
  auto& h = a.header;
  const auto kind = r.integer(1, "header");
  if (kind > 1) r.fail("an unknown kind of .fppz file (" + std::to_string(kind) + ")");
  h.kind = ArchiveKind(kind);
  if (h.kind == ArchiveKind::SingleImage) {
    const auto payload = r.integer(1, "header");
    if (payload > 3) r.fail("an unknown payload in a one-image file (" + std::to_string(payload) + ")");
    h.payload = ArchivePayload(payload);
    if (h.payload != ArchivePayload::Flow) return readClassicalFields(r, bytes, std::move(a));
  }
  h.modelFingerprint = r.integer(8, "header");
  h.nBits = int(r.integer(1, "header"));
  h.channels = int64_t(r.integer(2, "header")), h.height = int64_t(r.integer(2, "header")), h.width = int64_t(r.integer(2, "header"));
  h.count = int64_t(r.integer(4, "header"));
  h.log2Sigma = int(int8_t(r.integer(1, "header")));
  h.precisionBits = int(r.integer(1, "header")), h.gridBits = int(r.integer(1, "header")), h.maxBatch = int(r.integer(2, "header"));
  h.kernels = r.text("header");
  h.cpu = r.text("header");
  const auto streams = r.integer(2, "stream table");
  std::vector<uint64_t> sizes;
  int64_t images = 0;
  for (uint64_t i = 0; i < streams; ++i) {
    ArchiveStream s;
    s.images = int64_t(r.integer(4, "stream table"));
    sizes.push_back(r.integer(4, "stream table"));
    s.bytesCrc = uint32_t(r.integer(4, "stream table"));
    s.pixelsCrc = uint32_t(r.integer(4, "stream table"));
    images += s.images;
    a.streams.push_back(std::move(s));
  }
  namesBlock = r.bytes(r.integer(4, "names"), "names");
  for (size_t i = 0; i < a.streams.size(); ++i) a.streams[i].bytes = r.bytes(sizes[i], "coded streams");
  r.integer(4, "final checksum");
  if (r.at() != bytes.size()) r.fail(std::to_string(bytes.size() - r.at()) + " bytes follow the end of the data: not one .fppz file");
  if (images != a.header.count)
    r.fail("its streams hold " + std::to_string(images) + " images but the header says " + std::to_string(a.header.count));
  return a;
}
}  // namespace

Archive parseArchive(const std::string& bytes, const std::string& source) {
  Reader r(bytes, source);
  if (bytes.size() < 4 || bytes.compare(0, 4, kMagic, 4) != 0) r.fail("not a Flow++ compressed file (.fppz): it does not start with \"FPPZ\"");
  r.bytes(4, "magic");
  const auto version = r.integer(1, "version");
  if (version != kArchiveVersion)
    r.fail("a .fppz file of format version " + std::to_string(version) + "; this Flow++ Studio reads version " + std::to_string(kArchiveVersion));
  uint32_t stored = 0;
  for (int i = 0; i < 4 && bytes.size() >= 9; ++i) stored |= uint32_t(uint8_t(bytes[bytes.size() - 4 + size_t(i)])) << (8 * i);
  const bool intact = bytes.size() >= 9 && crc32Of(bytes.data(), bytes.size() - 4) == stored;
  std::string namesBlock;
  Archive a;
  try {
    a = readFields(r, bytes, namesBlock);
  } catch (const ArchiveError& e) {
    if (intact) throw;
    throw ArchiveError(std::string(e.what()) + " (the file's checksum does not match either: it is damaged or cut short)");
  }
  if (!intact) {
    // Name the part that changed where a stream's own checksum shows it.
    for (size_t i = 0; i < a.streams.size(); ++i)
      if (crc32Of(a.streams[i].bytes.data(), a.streams[i].bytes.size()) != a.streams[i].bytesCrc)
        r.fail("coded stream " + std::to_string(i + 1) + " of " + std::to_string(a.streams.size()) + " is damaged (its checksum does not match)");
    r.fail("the file is damaged: its checksum does not match (a changed byte in the header, the names or the final checksum)");
  }
  const auto& h = a.header;
  if (h.payload != ArchivePayload::Flow) {
    if (h.nBits < 1 || h.nBits > 8 || (h.channels != 1 && h.channels != 3))
      r.fail("its header gives " + std::to_string(h.nBits) + " bits per sub-pixel and " + std::to_string(h.channels) + " channels");
    return a;
  }
  if (h.kind == ArchiveKind::SingleImage && (h.count != 1 || a.streams.size() != 1))
    r.fail("a one-image file with " + std::to_string(h.count) + " images in " + std::to_string(a.streams.size()) + " streams");
  if (h.count < 1 || h.channels < 1 || h.height < 1 || h.width < 1 || h.nBits < 1 || h.nBits > 8)
    r.fail("its header describes no images (count " + std::to_string(h.count) + ", shape " + std::to_string(h.channels) + "x" +
           std::to_string(h.height) + "x" + std::to_string(h.width) + ", " + std::to_string(h.nBits) + " bits)");
  a.names = inflateNames(namesBlock, h.count, r);
  return a;
}

}  // namespace flowpp::codec
