#include "util/PickleFile.h"

#include <zlib.h>

#include <stdexcept>

namespace flowpp {

namespace {
// Little-endian fields of the zip format (PKWARE APPNOTE 4.3).
uint32_t read16(const std::string& b, size_t at) { return uint8_t(b[at]) | uint8_t(b[at + 1]) << 8; }
uint32_t read32(const std::string& b, size_t at) { return read16(b, at) | read16(b, at + 2) << 16; }

constexpr uint32_t kEndOfDirectory = 0x06054b50, kDirectoryEntry = 0x02014b50, kLocalHeader = 0x04034b50;
constexpr size_t kEndSize = 22, kEntrySize = 46, kLocalSize = 30;

void need(bool ok, const char* what) {
  if (!ok) throw std::runtime_error(what);
}

size_t findEndOfDirectory(const std::string& b) {
  need(b.size() >= kEndSize, "the file is truncated (too short to be an archive)");
  // The record sits at the very end, followed by a comment of at most 64 KiB.
  const size_t lowest = b.size() > kEndSize + 65535 ? b.size() - kEndSize - 65535 : 0;
  for (size_t at = b.size() - kEndSize + 1; at-- > lowest;)
    if (read32(b, at) == kEndOfDirectory && at + kEndSize + read16(b, at + 20) == b.size()) return at;
  throw std::runtime_error("the file is truncated or not an archive (no end-of-directory record)");
}
}  // namespace

void verifyZipRecords(const std::string& b) {
  const size_t end = findEndOfDirectory(b);
  const uint32_t count = read16(b, end + 10), dirSize = read32(b, end + 12), dirStart = read32(b, end + 16);
  need(count != 0xffff && dirStart != 0xffffffffu, "the archive is in zip64 form, which Flow++ files never are");
  need(uint64_t(dirStart) + dirSize <= end, "the archive's directory points past its end (truncated or damaged)");
  size_t at = dirStart;
  for (uint32_t i = 0; i < count; ++i) {
    need(at + kEntrySize <= end && read32(b, at) == kDirectoryEntry, "the archive's directory is damaged");
    const uint32_t method = read16(b, at + 10), crc = read32(b, at + 16), packed = read32(b, at + 20),
                   size = read32(b, at + 24), local = read32(b, at + 42);
    const size_t entryLength = kEntrySize + read16(b, at + 28) + read16(b, at + 30) + read16(b, at + 32);
    need(method == 0 && packed == size, "the archive holds a compressed record, which Flow++ files never do");
    need(uint64_t(local) + kLocalSize <= dirStart && read32(b, local) == kLocalHeader, "a record's header is damaged");
    const uint64_t data = uint64_t(local) + kLocalSize + read16(b, local + 26) + read16(b, local + 28);
    need(data + size <= dirStart, "a record runs past the end of the data (truncated or damaged)");
    const auto actual = crc32(0, reinterpret_cast<const Bytef*>(b.data() + data), uInt(size));
    need(actual == crc, "a record's CRC-32 does not match its bytes (the file was damaged)");
    at += entryLength;
  }
}

c10::IValue loadPickle(const std::string& bytes) {
  verifyZipRecords(bytes);
  return torch::pickle_load(std::vector<char>(bytes.begin(), bytes.end()));
}

}  // namespace flowpp
