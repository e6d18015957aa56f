#pragma once
// Image data sets as uint8 tensors [N, C, H, W], from MNIST/Fashion-MNIST IDX files (plain or gzip),
// CIFAR-10 binary batches (a file or a folder of them) and folders of PNG/JPEG images (OpenCV).
// Every reader throws DataError naming the file and what is wrong with it.
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>

#include <torch/torch.h>

#include "data/Pixels.h"

namespace flowpp {


struct ImageDataset {
  torch::Tensor images;  // uint8 [N, C, H, W], 8-bit values
  std::string source;
  std::string format;  // "idx", "cifar10", "images"
  // The images' classes where the data says them (a labels file beside an IDX file, CIFAR-10's label
  // bytes, the subfolders of an image folder); empty otherwise.
  std::vector<int64_t> labels;
  std::vector<std::string> classes;  // names, indexed by label
  std::string note;                  // what was done on the way (images resized, files skipped); "" when nothing
  std::vector<std::string> names;    // an image folder's files, relative to it (empty for other formats)
  int64_t size() const { return images.size(0); }
};

// Which part of a CIFAR-10 folder a data set is: its data_batch_*.bin files (training) or its
// test_batch.bin. (A file named directly is read whatever its name.)
enum class DataRole { Train, Test };

struct DataOptions {
  int64_t limit = 0;                 // > 0: the first `limit` images (0: all; negative is an error)
  std::optional<ImageShape> shape;   // the model's: images of another size or channel count are refused...
  bool resize = false;               // ...unless resized and converted to it (then `note` says what was done)
  DataRole role = DataRole::Train;
};

// Reads any supported data set. A data set without images is an error. Sizes claimed by a header
// are checked against the file and the available memory before anything is allocated.
ImageDataset loadDataset(const std::string& path, const DataOptions& options);
inline ImageDataset loadDataset(const std::string& path, int64_t limit = 0) {
  DataOptions options;
  options.limit = limit;
  return loadDataset(path, options);
}

ImageDataset readIdx(const std::string& path, int64_t limit = 0);
// Grey images (uint8 [N, 1, H, W]) as an IDX file's bytes (magic 0x00000803), as readIdx reads them.
std::string encodeIdx(const torch::Tensor& images);  // with the labels of a sibling *-labels-idx1-ubyte file
ImageDataset readCifar(const std::string& path, int64_t limit = 0, DataRole role = DataRole::Train);
// The same from a file's bytes (`source` names it in messages); what the fuzz tests drive.
ImageDataset readIdxBytes(const std::string& bytes, const std::string& source, int64_t limit = 0);
// The first `count` labels of an IDX label file (0x00000801), plain or gzip.
std::vector<int64_t> readIdxLabelsBytes(const std::string& bytes, const std::string& source, int64_t count);
ImageDataset readCifarBytes(const std::string& bytes, const std::string& source, int64_t limit = 0);
// Image files directly in `path`, or in its subfolders (one class per subfolder), in name order.
ImageDataset readImageFolder(const std::string& path, const DataOptions& options);

// Checks that the data fit a model's image shape; throws DataError naming the source.
void requireShape(const ImageDataset& data, const ImageShape& shape);

// 8-bit -> n-bit integer values (x >> (8 - n)) as float, and back to 8-bit for display.
torch::Tensor quantize(const torch::Tensor& images8, int nBits);
torch::Tensor toDisplay8(const torch::Tensor& xN, int nBits);

// Seeded shuffling: epoch e visits the images in the order randperm(N, seed + e); the batch for any
// global step is a pure function of (seed, step), which is what makes --resume exact.
class Batcher {
 public:
  Batcher(int64_t datasetSize, int64_t batchSize, uint64_t seed);
  torch::Tensor indices(int64_t step) const;  // [batchSize] int64
  int64_t batchesPerEpoch() const { return batchesPerEpoch_; }
  double epochAt(int64_t step) const { return static_cast<double>(step) / batchesPerEpoch_; }

 private:
  int64_t size_, batchSize_, batchesPerEpoch_;
  uint64_t seed_;
};

}  // namespace flowpp
