#pragma once
// The classical lossless image codecs, from their Debian libraries, for comparison with the flow's
// files (real bytes, whole files: every header counted) and for one image alone, which the flow can
// only code after tens of kilobits of initial bits (codec/Compressor.h says why).
//  - PNG: libpng through OpenCV, zlib level 9;
//  - WebP lossless: libwebp, lossless preset 9 (what `cwebp -lossless -z 9` uses);
//  - JPEG XL lossless: libjxl, effort 9 (`cjxl -d 0 -e 9`).
// A codec this build lacks reports available = false.
#include <cstdint>
#include <string>
#include <vector>

#include <torch/torch.h>

namespace flowpp::codec {

enum class ClassicalCodec { Png, Webp, JpegXl };

struct ClassicalFile {
  ClassicalCodec codec = ClassicalCodec::Png;
  std::string name;      // "PNG", "WebP lossless", "JPEG XL lossless"
  std::string settings;  // library, version and settings, e.g. "libjxl 0.7.0, effort 9"
  bool available = false;
  std::string bytes;     // the whole file
};

// A classical file's size, for reports.
struct ClassicalSize {
  std::string name, settings;
  int64_t bytes = 0;
};

// image: uint8 [C, H, W], C = 1 or 3.
ClassicalFile encodeClassical(ClassicalCodec codec, const torch::Tensor& image);
std::vector<ClassicalFile> encodeAllClassical(const torch::Tensor& image);

// The pixels of a file encodeClassical wrote (uint8 [C, H, W], C = channels); throws
// std::runtime_error for bytes the codec cannot read.
torch::Tensor decodeClassical(ClassicalCodec codec, const std::string& bytes, int64_t channels);

const char* classicalName(ClassicalCodec codec);

}  // namespace flowpp::codec
