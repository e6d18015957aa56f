// Folders of PNG/JPEG/... images, read with OpenCV in file-name order.
#include <algorithm>
#include <filesystem>

#include "data/Dataset.h"
#include "data/ImageIo.h"

namespace flowpp {

namespace fs = std::filesystem;

ImageDataset readImageFolder(const std::string& path, int64_t limit, std::optional<ImageShape> shape) {
  if (!fs::is_directory(path)) throw DataError(path + ": not a folder");
  std::vector<std::string> files;
  for (const auto& e : fs::directory_iterator(path)) {
    auto ext = e.path().extension().string();
    std::transform(ext.begin(), ext.end(), ext.begin(), ::tolower);
    if (ext == ".png" || ext == ".jpg" || ext == ".jpeg" || ext == ".bmp" || ext == ".pgm" || ext == ".ppm" ||
        ext == ".tif" || ext == ".tiff" || ext == ".webp")
      files.push_back(e.path().string());
  }
  std::sort(files.begin(), files.end());
  if (files.empty()) throw DataError(path + ": folder has no image files (PNG, JPEG, BMP, PGM/PPM, TIFF, WebP)");
  if (limit > 0 && static_cast<int64_t>(files.size()) > limit) files.resize(limit);
  std::vector<torch::Tensor> images;
  for (const auto& f : files) {
    auto img = readImage(f, shape);
    if (!images.empty() && img.image.sizes() != images.front().sizes())
      throw DataError(f + ": image is " + std::to_string(img.image.size(0)) + "x" + std::to_string(img.image.size(1)) +
                      "x" + std::to_string(img.image.size(2)) + " (CxHxW) but the folder's first image is " +
                      std::to_string(images.front().size(0)) + "x" + std::to_string(images.front().size(1)) + "x" +
                      std::to_string(images.front().size(2)) + "; pass a model so images are converted to its size");
    images.push_back(img.image);
  }
  return {torch::stack(images), path, "images"};
}

}  // namespace flowpp
