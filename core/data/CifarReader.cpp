// CIFAR-10 binary batches: records of 1 label byte + 3072 bytes (3x32x32, channel-major).
#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "data/Dataset.h"
#include "util/AtomicFile.h"

namespace flowpp {

namespace fs = std::filesystem;

namespace {
constexpr int64_t kRecord = 1 + 3 * 32 * 32;

struct Batch {
  torch::Tensor images;
  std::vector<int64_t> labels;
};

Batch readBatch(const std::string& bytes, const std::string& source, int64_t limit) {
  if (bytes.empty() || bytes.size() % kRecord != 0)
    throw DataError(source + ": not a CIFAR-10 binary batch (size " + std::to_string(bytes.size()) +
                    " is not a positive multiple of 3073-byte records)");
  int64_t n = static_cast<int64_t>(bytes.size()) / kRecord;
  if (limit > 0) n = std::min(n, limit);
  Batch b{torch::empty({n, 3, 32, 32}, torch::kUInt8), {}};
  auto* dst = b.images.data_ptr<uint8_t>();
  for (int64_t i = 0; i < n; ++i) {
    const int label = static_cast<unsigned char>(bytes[i * kRecord]);
    if (label > 9)
      throw DataError(source + ": record " + std::to_string(i) + " has label " + std::to_string(label) + " (CIFAR-10 labels are 0-9)");
    b.labels.push_back(label);
    std::memcpy(dst + i * (kRecord - 1), bytes.data() + i * kRecord + 1, kRecord - 1);
  }
  return b;
}

Batch readBatchFile(const std::string& path, int64_t limit) {
  try {
    return readBatch(readFile(path), path, limit);
  } catch (const DataError&) {
    throw;
  } catch (const std::runtime_error& e) {
    throw DataError(e.what());
  }
}

// The class names: the folder's batches.meta.txt when present, else CIFAR-10's own.
std::vector<std::string> classNames(const fs::path& folder) {
  std::vector<std::string> names;
  std::ifstream meta(folder / "batches.meta.txt");
  for (std::string line; std::getline(meta, line) && names.size() < 10;)
    if (!line.empty()) names.push_back(line);
  if (names.size() == 10) return names;
  return {"airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"};
}
}  // namespace

ImageDataset readCifarBytes(const std::string& bytes, const std::string& source, int64_t limit) {
  auto b = readBatch(bytes, source, limit);
  return {b.images, source, "cifar10", b.labels, classNames({}), "", {}};
}

ImageDataset readCifar(const std::string& path, int64_t limit, DataRole role) {
  std::vector<std::string> files;
  fs::path folder = fs::path(path).parent_path();
  if (fs::is_directory(path)) {
    folder = path;
    for (const auto& e : fs::directory_iterator(path)) {
      const auto name = e.path().filename().string();
      const bool train = name.rfind("data_batch_", 0) == 0 && e.path().extension() == ".bin";
      if (role == DataRole::Train ? train : name == "test_batch.bin") files.push_back(e.path().string());
    }
    std::sort(files.begin(), files.end());
    if (files.empty())
      throw DataError(path + ": folder has no CIFAR-10 " +
                      (role == DataRole::Train ? "training batches (data_batch_*.bin)" : "test batch (test_batch.bin)"));
  } else {
    files.push_back(path);
  }
  std::vector<torch::Tensor> parts;
  ImageDataset data{{}, path, "cifar10", {}, classNames(folder), "", {}};
  for (const auto& f : files) {
    const int64_t have = int64_t(data.labels.size());
    if (limit > 0 && have >= limit) break;
    auto b = readBatchFile(f, limit > 0 ? limit - have : 0);
    parts.push_back(b.images);
    data.labels.insert(data.labels.end(), b.labels.begin(), b.labels.end());
  }
  data.images = torch::cat(parts);
  return data;
}

}  // namespace flowpp
