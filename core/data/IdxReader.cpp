// MNIST / Fashion-MNIST IDX image files: big-endian magic 0x00000803 (unsigned byte, 3 dims),
// then N, rows, cols, then N*rows*cols bytes. Gzip-compressed files are inflated with zlib.
#include <cstring>

#include "data/Dataset.h"
#include "util/AtomicFile.h"

#ifdef FLOWPP_HAVE_ZLIB
#include <zlib.h>
#endif

namespace flowpp {

namespace {

std::string gunzip(const std::string& path, const std::string& bytes) {
#ifdef FLOWPP_HAVE_ZLIB
  z_stream zs{};
  if (inflateInit2(&zs, 15 + 32) != Z_OK) throw DataError(path + ": cannot start gzip decompression");
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(bytes.data()));
  zs.avail_in = static_cast<uInt>(bytes.size());
  std::string out;
  char buf[1 << 16];
  int ret;
  do {
    zs.next_out = reinterpret_cast<Bytef*>(buf);
    zs.avail_out = sizeof(buf);
    ret = inflate(&zs, Z_NO_FLUSH);
    if (ret != Z_OK && ret != Z_STREAM_END) {
      inflateEnd(&zs);
      throw DataError(path + ": corrupt or truncated gzip data");
    }
    out.append(buf, sizeof(buf) - zs.avail_out);
  } while (ret != Z_STREAM_END);
  inflateEnd(&zs);
  return out;
#else
  throw DataError(path + ": gzip files need zlib, which this build lacks; gunzip the file first");
#endif
}

uint32_t bigEndian32(const std::string& b, size_t at) {
  const auto* p = reinterpret_cast<const unsigned char*>(b.data()) + at;
  return (uint32_t(p[0]) << 24) | (uint32_t(p[1]) << 16) | (uint32_t(p[2]) << 8) | uint32_t(p[3]);
}

}  // namespace

ImageDataset readIdx(const std::string& path, int64_t limit) {
  std::string bytes;
  try {
    bytes = readFile(path);
  } catch (const std::runtime_error& e) {
    throw DataError(e.what());
  }
  if (bytes.size() >= 2 && static_cast<unsigned char>(bytes[0]) == 0x1f && static_cast<unsigned char>(bytes[1]) == 0x8b)
    bytes = gunzip(path, bytes);
  if (bytes.size() < 4) throw DataError(path + ": too short for an IDX file (" + std::to_string(bytes.size()) + " bytes)");
  const uint32_t magic = bigEndian32(bytes, 0);
  if (magic == 0x00000801)
    throw DataError(path + ": this is an IDX label file (1-D); pass the images file (e.g. train-images-idx3-ubyte.gz)");
  if (magic != 0x00000803)
    throw DataError(path + ": not an IDX image file (magic 0x" + [&] {
      char s[16];
      std::snprintf(s, sizeof s, "%08x", magic);
      return std::string(s);
    }() + ", expected 0x00000803)");
  if (bytes.size() < 16) throw DataError(path + ": too short for an IDX header (" + std::to_string(bytes.size()) + " bytes)");
  const int64_t n = bigEndian32(bytes, 4), rows = bigEndian32(bytes, 8), cols = bigEndian32(bytes, 12);
  if (rows <= 0 || cols <= 0 || rows > 4096 || cols > 4096)
    throw DataError(path + ": implausible image size " + std::to_string(rows) + "x" + std::to_string(cols));
  const int64_t expected = 16 + n * rows * cols;
  if (static_cast<int64_t>(bytes.size()) < expected)
    throw DataError(path + ": truncated: header promises " + std::to_string(n) + " images of " + std::to_string(rows) +
                    "x" + std::to_string(cols) + " (" + std::to_string(expected) + " bytes), file has " +
                    std::to_string(bytes.size()));
  const int64_t keep = limit > 0 ? std::min(limit, n) : n;
  auto images = torch::empty({keep, 1, rows, cols}, torch::kUInt8);
  std::memcpy(images.data_ptr<uint8_t>(), bytes.data() + 16, keep * rows * cols);
  return {images, path, "idx"};
}

}  // namespace flowpp
