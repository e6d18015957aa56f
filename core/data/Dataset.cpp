#include "data/Dataset.h"

#include <filesystem>
#include <fstream>

#include "util/AtomicFile.h"

namespace flowpp {

namespace fs = std::filesystem;

namespace {
// A folder holding CIFAR-10's batch files (and no images): the binary batches; any other folder is a
// folder of images (stray files of other kinds are skipped, and the note says how many).
bool isCifarFolder(const std::string& path) {
  bool batches = false;
  for (const auto& e : fs::directory_iterator(path)) {
    const auto name = e.path().filename().string();
    if (name.rfind("data_batch_", 0) == 0 || name == "test_batch.bin") batches = true;
  }
  return batches;
}

ImageDataset readAny(const std::string& path, const DataOptions& o) {
  if (fs::is_directory(path)) return isCifarFolder(path) ? readCifar(path, o.limit, o.role) : readImageFolder(path, o);
  try {
    requireRegularFile(path);  // a pipe or a device would block the read below, or never end
  } catch (const std::runtime_error& e) {
    throw DataError(e.what());
  }
  unsigned char head[4] = {0, 0, 0, 0};
  std::ifstream(path, std::ios::binary).read(reinterpret_cast<char*>(head), 4);
  const bool gzip = head[0] == 0x1f && head[1] == 0x8b;
  const bool idx = head[0] == 0 && head[1] == 0 && (head[2] == 0x08);
  if (gzip || idx) return readIdx(path, o.limit);
  if (fs::path(path).extension() == ".bin") return readCifar(path, o.limit);
  throw DataError(path + ": unsupported data format (expected an IDX images file, plain or .gz; a CIFAR-10 .bin "
                         "batch or a folder of them; or a folder of images)");
}
}  // namespace

ImageDataset loadDataset(const std::string& path, const DataOptions& options) {
  if (options.limit < 0) throw DataError("--limit " + std::to_string(options.limit) + ": must be 0 (all images) or a positive count");
  if (!fs::exists(path)) throw DataError(path + ": no such file or folder");
  auto data = readAny(path, options);
  if (data.size() == 0) throw DataError(path + ": holds no images");
  return data;
}

void requireShape(const ImageDataset& data, const ImageShape& shape) {
  if (data.size() == 0) throw DataError(data.source + ": holds no images");
  const auto& s = data.images.sizes();
  if (s[1] != shape.channels || s[2] != shape.height || s[3] != shape.width)
    throw DataError(data.source + ": images are " + std::to_string(s[1]) + "x" + std::to_string(s[2]) + "x" +
                    std::to_string(s[3]) + " (CxHxW) but the model expects " + std::to_string(shape.channels) + "x" +
                    std::to_string(shape.height) + "x" + std::to_string(shape.width));
}

torch::Tensor quantize(const torch::Tensor& images8, int nBits) {
  return torch::floor(images8.to(torch::kFloat) / static_cast<double>(1 << (8 - nBits)));
}

torch::Tensor toDisplay8(const torch::Tensor& xN, int nBits) {
  const double maxLevel = (1 << nBits) - 1;
  return torch::round(xN.to(torch::kFloat) * (255.0 / maxLevel)).clamp(0, 255).to(torch::kUInt8);
}

Batcher::Batcher(int64_t datasetSize, int64_t batchSize, uint64_t seed)
    : size_(datasetSize), batchSize_(std::min(batchSize, datasetSize)), seed_(seed) {
  if (datasetSize <= 0) throw DataError("cannot batch an empty data set");
  if (batchSize <= 0) throw std::invalid_argument("batch size must be positive, got " + std::to_string(batchSize));
  batchesPerEpoch_ = std::max<int64_t>(1, size_ / batchSize_);
}

torch::Tensor Batcher::indices(int64_t step) const {
  const int64_t epoch = step / batchesPerEpoch_, position = step % batchesPerEpoch_;
  auto gen = at::detail::createCPUGenerator(seed_ * 1000003ULL + static_cast<uint64_t>(epoch));
  auto perm = torch::randperm(size_, gen, torch::kLong);
  return perm.narrow(0, position * batchSize_, batchSize_);
}

}  // namespace flowpp
