// MNIST / Fashion-MNIST IDX image files: big-endian magic 0x00000803 (unsigned byte, 3 dims),
// then N, rows, cols, then N*rows*cols bytes. Gzip-compressed files are inflated with zlib to the
// end of the stream, whose CRC-32 and length zlib checks (a file cut anywhere, even in its 8-byte
// trailer, is refused), and never far beyond the size the header announces (a gzip bomb stops there).
#include <zlib.h>

#include <algorithm>
#include <cstring>
#include <filesystem>

#include "data/Dataset.h"
#include "model/Footprint.h"
#include "util/AtomicFile.h"

namespace flowpp {

namespace {

uint32_t bigEndian32(const std::string& b, size_t at) {
  const auto* p = reinterpret_cast<const unsigned char*>(b.data()) + at;
  return (uint32_t(p[0]) << 24) | (uint32_t(p[1]) << 16) | (uint32_t(p[2]) << 8) | uint32_t(p[3]);
}

// Header-announced size of an IDX file of unsigned bytes with 1 to 3 dimensions (its magic's last
// byte), once its header is known; -1 before.
int64_t announcedSize(const std::string& b) {
  if (b.size() < 4) return -1;
  const int dims = std::clamp(int(static_cast<unsigned char>(b[3])), 1, 3);
  if (b.size() < size_t(4 + 4 * dims)) return -1;
  int64_t size = 4 + 4 * dims;
  int64_t count = 1;
  // Each factor is below 2^32; past 2^40 the file is refused as too large anyway, so the product
  // stops there instead of overflowing.
  for (int d = 0; d < dims; ++d)
    count = int64_t(std::min<__int128>(__int128(count) * bigEndian32(b, 4 + 4 * d), __int128(1) << 40));
  return size + count;
}

std::string gunzip(const std::string& source, const std::string& bytes) {
  z_stream zs{};
  if (inflateInit2(&zs, 15 + 32) != Z_OK) throw DataError(source + ": cannot start gzip decompression");
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(bytes.data()));
  zs.avail_in = static_cast<uInt>(std::min<size_t>(bytes.size(), 0xffffffffu));
  std::string out;
  char buf[1 << 16];
  int ret;
  bool ended = false;
  do {
    zs.next_out = reinterpret_cast<Bytef*>(buf);
    zs.avail_out = sizeof(buf);
    ret = inflate(&zs, Z_NO_FLUSH);
    if (ret != Z_OK && ret != Z_STREAM_END) {
      inflateEnd(&zs);
      throw DataError(source + ": corrupt or truncated gzip data");
    }
    out.append(buf, sizeof(buf) - zs.avail_out);
    ended = ret == Z_STREAM_END;
    const int64_t expected = announcedSize(out);
    if (expected >= 0 && double(expected) > availableMemoryBytes()) {
      inflateEnd(&zs);
      return out;  // the size check of the caller refuses it with the header's figures
    }
    if (expected >= 0 && int64_t(out.size()) > expected + int64_t(sizeof(buf))) {
      inflateEnd(&zs);
      throw DataError(source + ": holds more data than its IDX header announces (" + std::to_string(expected) + " bytes)");
    }
    if (ret == Z_OK && zs.avail_in == 0 && zs.avail_out != 0) break;  // input ended before the stream did
  } while (ret != Z_STREAM_END);
  inflateEnd(&zs);
  if (!ended) throw DataError(source + ": corrupt or truncated gzip data (the stream ends before its checksum)");
  return out;
}

std::string hex32(uint32_t v) {
  char s[16];
  std::snprintf(s, sizeof s, "%08x", v);
  return s;
}

}  // namespace

ImageDataset readIdxBytes(const std::string& raw, const std::string& source, int64_t limit) {
  const bool gzip = raw.size() >= 2 && static_cast<unsigned char>(raw[0]) == 0x1f && static_cast<unsigned char>(raw[1]) == 0x8b;
  const std::string bytes = gzip ? gunzip(source, raw) : raw;
  if (bytes.size() < 4) throw DataError(source + ": too short for an IDX file (" + std::to_string(bytes.size()) + " bytes)");
  const uint32_t magic = bigEndian32(bytes, 0);
  if (magic == 0x00000801)
    throw DataError(source + ": this is an IDX label file (1-D); pass the images file (e.g. train-images-idx3-ubyte.gz)");
  if (magic != 0x00000803) throw DataError(source + ": not an IDX image file (magic 0x" + hex32(magic) + ", expected 0x00000803)");
  if (bytes.size() < 16) throw DataError(source + ": too short for an IDX header (" + std::to_string(bytes.size()) + " bytes)");
  const int64_t n = bigEndian32(bytes, 4), rows = bigEndian32(bytes, 8), cols = bigEndian32(bytes, 12);
  if (rows <= 0 || cols <= 0 || rows > 4096 || cols > 4096)
    throw DataError(source + ": implausible image size " + std::to_string(rows) + "x" + std::to_string(cols) +
                    " (rows and columns must be 1 to 4096)");
  if (n == 0) throw DataError(source + ": the file holds no images (its header says 0)");
  const int64_t expected = 16 + n * rows * cols;
  if (static_cast<int64_t>(bytes.size()) < expected)
    throw DataError(source + ": truncated: header promises " + std::to_string(n) + " images of " + std::to_string(rows) +
                    "x" + std::to_string(cols) + " (" + std::to_string(expected) + " bytes), file has " +
                    std::to_string(bytes.size()) + (gzip ? " after decompression" : ""));
  const int64_t keep = limit > 0 ? std::min(limit, n) : n;
  auto images = torch::empty({keep, 1, rows, cols}, torch::kUInt8);
  std::memcpy(images.data_ptr<uint8_t>(), bytes.data() + 16, keep * rows * cols);
  return {images, source, "idx", {}, {}, "", {}};
}

namespace {
std::string readBytes(const std::string& path) {
  try {
    return readFile(path);
  } catch (const std::runtime_error& e) {
    throw DataError(e.what());
  }
}

// The labels file beside an images file (MNIST's and Fashion-MNIST's naming), if there is one.
std::string labelsPathFor(const std::string& images) {
  const std::string from = "images-idx3-ubyte", to = "labels-idx1-ubyte";
  const auto at = images.rfind(from);
  if (at == std::string::npos) return {};
  auto path = images;
  path.replace(at, from.size(), to);
  return std::filesystem::exists(path) ? path : std::string();
}

std::vector<std::string> classNamesFor(const std::string& path) {
  std::string lower = path;
  std::transform(lower.begin(), lower.end(), lower.begin(), ::tolower);
  if (lower.find("fashion") != std::string::npos)
    return {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"};
  return {"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"};
}
}  // namespace

std::vector<int64_t> readIdxLabelsBytes(const std::string& raw, const std::string& source, int64_t count) {
  const bool gzip = raw.size() >= 2 && static_cast<unsigned char>(raw[0]) == 0x1f && static_cast<unsigned char>(raw[1]) == 0x8b;
  const std::string bytes = gzip ? gunzip(source, raw) : raw;
  if (bytes.size() < 8 || bigEndian32(bytes, 0) != 0x00000801)
    throw DataError(source + ": not an IDX label file (magic 0x00000801)");
  const int64_t n = bigEndian32(bytes, 4);
  if (n < count || int64_t(bytes.size()) < 8 + count)
    throw DataError(source + ": holds " + std::to_string(n) + " labels for " + std::to_string(count) + " images");
  std::vector<int64_t> labels(static_cast<size_t>(count), 0);
  for (int64_t i = 0; i < count; ++i) labels[size_t(i)] = static_cast<unsigned char>(bytes[size_t(8 + i)]);
  return labels;
}

ImageDataset readIdx(const std::string& path, int64_t limit) {
  auto data = readIdxBytes(readBytes(path), path, limit);
  if (const auto labels = labelsPathFor(path); !labels.empty()) {
    data.labels = readIdxLabelsBytes(readBytes(labels), labels, data.size());
    data.classes = classNamesFor(path);
  }
  return data;
}

std::string encodeIdx(const torch::Tensor& images) {
  TORCH_CHECK(images.dim() == 4 && images.size(1) == 1, "IDX files hold grey images: expected [N, 1, H, W], got ", images.sizes());
  const auto pixels = images.to(torch::kUInt8).contiguous();
  std::string out;
  auto bigEndian = [&out](uint32_t v) {
    for (int b = 3; b >= 0; --b) out.push_back(char((v >> (8 * b)) & 0xff));
  };
  bigEndian(0x00000803);
  bigEndian(uint32_t(images.size(0))), bigEndian(uint32_t(images.size(2))), bigEndian(uint32_t(images.size(3)));
  out.append(reinterpret_cast<const char*>(pixels.data_ptr<uint8_t>()), size_t(pixels.numel()));
  return out;
}

}  // namespace flowpp
