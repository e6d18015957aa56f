#include "util/PickleFile.h"

#include <zlib.h>

#include <stdexcept>

namespace flowpp {

namespace {
// Little-endian fields of the zip format (PKWARE APPNOTE 4.3).
uint32_t read16(const std::string& b, size_t at) { return uint8_t(b[at]) | uint8_t(b[at + 1]) << 8; }
uint32_t read32(const std::string& b, size_t at) { return read16(b, at) | read16(b, at + 2) << 16; }
uint64_t read64(const std::string& b, size_t at) { return read32(b, at) | uint64_t(read32(b, at + 4)) << 32; }

constexpr uint32_t kEndOfDirectory = 0x06054b50, kDirectoryEntry = 0x02014b50, kLocalHeader = 0x04034b50;
constexpr uint32_t kZip64End = 0x06064b50, kZip64Locator = 0x07064b50;
constexpr size_t kEndSize = 22, kEntrySize = 46, kLocalSize = 30, kZip64EndSize = 56, kZip64LocatorSize = 20;

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
// LibTorch writes a zip64 end record and its locator before the plain end record, and its reader
// (miniz) then takes the directory's place from the zip64 record: it must agree with the plain one.
void verifyZip64Records(const std::string& b, size_t end, uint32_t count, uint32_t dirSize, uint32_t dirStart) {
  if (end < kZip64LocatorSize || read32(b, end - kZip64LocatorSize) != kZip64Locator) return;
  const size_t locator = end - kZip64LocatorSize;
  const uint64_t record = read64(b, locator + 8);
  need(read32(b, locator + 4) == 0 && read32(b, locator + 16) == 1 && record + kZip64EndSize <= locator &&
           read32(b, size_t(record)) == kZip64End && read64(b, size_t(record) + 4) + 12 == locator - record,
       "the archive's zip64 end record is damaged");
  const size_t r = size_t(record);
  need(read32(b, r + 16) == 0 && read32(b, r + 20) == 0 && read64(b, r + 24) == count && read64(b, r + 32) == count &&
           read64(b, r + 40) == dirSize && read64(b, r + 48) == dirStart && uint64_t(dirStart) + dirSize <= record,
       "the archive's zip64 end record does not match its directory (damaged)");
}
}  // namespace

void verifyZipRecords(const std::string& b) {
  const size_t end = findEndOfDirectory(b);
  const uint32_t count = read16(b, end + 10), dirSize = read32(b, end + 12), dirStart = read32(b, end + 16);
  need(count != 0xffff && dirStart != 0xffffffffu, "the archive is in zip64 form, which Flow++ files never are");
  // One disk, and as many entries on it as in all: LibTorch's zip reader (miniz) trusts these fields.
  need(read16(b, end + 4) == 0 && read16(b, end + 6) == 0 && read16(b, end + 8) == count, "the archive's directory is damaged");
  need(uint64_t(dirStart) + dirSize <= end, "the archive's directory points past its end (truncated or damaged)");
  verifyZip64Records(b, end, count, dirSize, dirStart);
  const size_t dirEnd = size_t(dirStart) + dirSize;
  size_t at = dirStart;
  for (uint32_t i = 0; i < count; ++i) {
    need(at + kEntrySize <= dirEnd && read32(b, at) == kDirectoryEntry, "the archive's directory is damaged");
    const uint32_t method = read16(b, at + 10), crc = read32(b, at + 16), packed = read32(b, at + 20),
                   size = read32(b, at + 24), local = read32(b, at + 42);
    const size_t entryLength = kEntrySize + read16(b, at + 28) + read16(b, at + 30) + read16(b, at + 32);
    // The entry's name, extra field and comment lie inside the directory (miniz copies them).
    need(at + entryLength <= dirEnd, "the archive's directory is damaged");
    need(method == 0 && packed == size, "the archive holds a compressed record, which Flow++ files never do");
    need(uint64_t(local) + kLocalSize <= dirStart && read32(b, local) == kLocalHeader, "a record's header is damaged");
    const uint64_t data = uint64_t(local) + kLocalSize + read16(b, local + 26) + read16(b, local + 28);
    need(data + size <= dirStart, "a record runs past the end of the data (truncated or damaged)");
    const auto actual = crc32(0, reinterpret_cast<const Bytef*>(b.data() + data), uInt(size));
    need(actual == crc, "a record's CRC-32 does not match its bytes (the file was damaged)");
    at += entryLength;
  }
  need(at == dirEnd, "the archive's directory is damaged (its size does not match its entries)");
}

c10::IValue loadPickle(const std::string& bytes) {
  verifyZipRecords(bytes);
  return torch::pickle_load(std::vector<char>(bytes.begin(), bytes.end()));
}

}  // namespace flowpp
