#pragma once
// Reading and writing single images (OpenCV), grids of images, and conversion to a model's shape.
#include <optional>
#include <string>

#include <torch/torch.h>

#include "data/Dataset.h"

namespace flowpp {

struct LoadedImage {
  torch::Tensor image;     // uint8 [C, H, W]
  std::string conversion;  // what was done to fit the requested shape ("" when nothing)
};

bool haveImageCodecs();  // false in builds without OpenCV
// Throws DataError for unreadable files. With `shape`, converts channels (grey <-> colour) and
// resizes (area averaging down, nearest up), and says so in `conversion`.
LoadedImage readImage(const std::string& path, std::optional<ImageShape> shape = {});
LoadedImage decodeImage(const std::string& bytes, const std::string& source, std::optional<ImageShape> shape = {});
void writePng(const std::string& path, const torch::Tensor& image);  // uint8 [C, H, W], atomic
std::string encodePng(const torch::Tensor& image);

// Pixels converted to `shape` (channels, then size: area averaging down, nearest up), as readImage
// does for files; what was done goes to *conversion.
Pixels8 convertPixels(const Pixels8& pixels, ImageShape shape, std::string* conversion = nullptr);

// uint8 [C, H, W] (C = 1 or 3) <-> plain pixels.
Pixels8 toPixels(const torch::Tensor& image8);
torch::Tensor fromPixels(const Pixels8& pixels);

// Tiles uint8 images [N, C, H, W] into one [C, H', W'] image with `pad` pixels of `padValue`.
torch::Tensor makeGrid(const torch::Tensor& images, int64_t columns, int64_t pad = 2, int padValue = 255);

}  // namespace flowpp
