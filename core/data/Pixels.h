#pragma once
// 8-bit images as plain bytes: the one currency in which pictures leave the core (the studio turns
// Pixels8 into a QImage in one place, the CLI into PNG files). Torch-free.
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace flowpp {

// A data file or image that cannot be read; the message names the file and the problem.
class DataError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct ImageShape {
  int64_t channels, height, width;
};

struct Pixels8 {
  int channels = 0, height = 0, width = 0;  // channels: 1 (grey) or 3 (RGB)
  std::vector<uint8_t> data;                // row-major, interleaved: (y * width + x) * channels + c
  bool empty() const { return data.empty(); }
};

// Reads an image file (any format OpenCV decodes); with `shape`, converts channels and resizes, and
// says so in *conversion. Throws DataError naming the file.
// Images over 64 megapixels are refused before they are decoded into memory.
Pixels8 readImagePixels(const std::string& path, std::optional<ImageShape> shape = {}, std::string* conversion = nullptr);

// The heatmap colour map of the whole product (matplotlib's viridis, interpolated between eleven
// anchors): values [height * width] between lo and hi -> RGB pixels; NaN shows as grey.
Pixels8 colourMap(const std::vector<double>& values, int width, int height, double lo, double hi);
// One colour of the map for t in [0, 1] (RGB).
void colourAt(double t, uint8_t rgb[3]);

}  // namespace flowpp
