// CIFAR-10 binary batches: records of 1 label byte + 3072 bytes (3x32x32, channel-major).
#include <algorithm>
#include <cstring>
#include <filesystem>

#include "data/Dataset.h"
#include "util/AtomicFile.h"

namespace flowpp {

namespace fs = std::filesystem;

namespace {
constexpr int64_t kRecord = 1 + 3 * 32 * 32;

torch::Tensor readBatch(const std::string& bytes, const std::string& source, int64_t limit) {
  if (bytes.empty() || bytes.size() % kRecord != 0)
    throw DataError(source + ": not a CIFAR-10 binary batch (size " + std::to_string(bytes.size()) +
                    " is not a positive multiple of 3073-byte records)");
  int64_t n = static_cast<int64_t>(bytes.size()) / kRecord;
  if (limit > 0) n = std::min(n, limit);
  auto images = torch::empty({n, 3, 32, 32}, torch::kUInt8);
  auto* dst = images.data_ptr<uint8_t>();
  for (int64_t i = 0; i < n; ++i) {
    if (static_cast<unsigned char>(bytes[i * kRecord]) > 9)
      throw DataError(source + ": record " + std::to_string(i) + " has label " +
                      std::to_string(static_cast<unsigned char>(bytes[i * kRecord])) + " (CIFAR-10 labels are 0-9)");
    std::memcpy(dst + i * (kRecord - 1), bytes.data() + i * kRecord + 1, kRecord - 1);
  }
  return images;
}

torch::Tensor readBatchFile(const std::string& path, int64_t limit) {
  try {
    return readBatch(readFile(path), path, limit);
  } catch (const DataError&) {
    throw;
  } catch (const std::runtime_error& e) {
    throw DataError(e.what());
  }
}
}  // namespace

ImageDataset readCifarBytes(const std::string& bytes, const std::string& source, int64_t limit) {
  return {readBatch(bytes, source, limit), source, "cifar10"};
}

ImageDataset readCifar(const std::string& path, int64_t limit) {
  std::vector<std::string> files;
  if (fs::is_directory(path)) {
    for (const auto& e : fs::directory_iterator(path))
      if (e.path().extension() == ".bin" && e.path().filename().string() != "batches.meta.bin")
        files.push_back(e.path().string());
    std::sort(files.begin(), files.end());
    if (files.empty()) throw DataError(path + ": folder has no CIFAR-10 *.bin batch files");
  } else {
    files.push_back(path);
  }
  std::vector<torch::Tensor> parts;
  int64_t total = 0;
  for (const auto& f : files) {
    if (limit > 0 && total >= limit) break;
    parts.push_back(readBatchFile(f, limit > 0 ? limit - total : 0));
    total += parts.back().size(0);
  }
  return {torch::cat(parts), path, "cifar10"};
}

}  // namespace flowpp
