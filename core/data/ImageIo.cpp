#include "data/ImageIo.h"

#include <cstdlib>

#include "util/AtomicFile.h"

#ifdef FLOWPP_HAVE_OPENCV
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#endif

namespace flowpp {

Pixels8 toPixels(const torch::Tensor& image8) {
  TORCH_CHECK(image8.dim() == 3 && (image8.size(0) == 1 || image8.size(0) == 3), "expected a [1|3, H, W] image");
  auto hwc = image8.to(torch::kUInt8).cpu().permute({1, 2, 0}).contiguous();
  Pixels8 p{int(image8.size(0)), int(image8.size(1)), int(image8.size(2)), {}};
  p.data.assign(hwc.data_ptr<uint8_t>(), hwc.data_ptr<uint8_t>() + hwc.numel());
  return p;
}

torch::Tensor fromPixels(const Pixels8& p) {
  TORCH_CHECK(p.data.size() == size_t(p.channels) * p.height * p.width, "pixel buffer does not match its shape");
  return torch::from_blob(const_cast<uint8_t*>(p.data.data()), {p.height, p.width, p.channels}, torch::kUInt8)
      .permute({2, 0, 1})
      .clone(torch::MemoryFormat::Contiguous);  // a copy always: contiguous() returns the borrowed
                                                // buffer itself for one channel, which dies with `p`
}

Pixels8 readImagePixels(const std::string& path, std::optional<ImageShape> shape, std::string* conversion) {
  auto loaded = readImage(path, shape);
  if (conversion) *conversion = loaded.conversion;
  return toPixels(loaded.image);
}

#ifdef FLOWPP_HAVE_OPENCV
bool haveImageCodecs() { return true; }

namespace {
torch::Tensor fromMat(const cv::Mat& m) {  // 8-bit grey or BGR -> uint8 [C, H, W] (RGB order)
  cv::Mat rgb;
  if (m.channels() == 3)
    cv::cvtColor(m, rgb, cv::COLOR_BGR2RGB);
  else
    rgb = m;
  auto t = torch::from_blob(rgb.data, {rgb.rows, rgb.cols, rgb.channels()}, torch::kUInt8).clone();
  return t.permute({2, 0, 1}).contiguous();
}

cv::Mat toMat(const torch::Tensor& image) {
  TORCH_CHECK(image.dim() == 3 && (image.size(0) == 1 || image.size(0) == 3), "expected a [1|3, H, W] image");
  auto hwc = image.to(torch::kUInt8).permute({1, 2, 0}).contiguous();
  cv::Mat m(static_cast<int>(hwc.size(0)), static_cast<int>(hwc.size(1)), hwc.size(2) == 3 ? CV_8UC3 : CV_8UC1,
            hwc.data_ptr<uint8_t>());
  cv::Mat out;
  if (hwc.size(2) == 3)
    cv::cvtColor(m, out, cv::COLOR_RGB2BGR);
  else
    out = m.clone();
  return out;
}

// OpenCV reads its pixel limit from the environment on first use: cap decodes at 64 megapixels.
void limitImageSize() {
  static const bool once = [] { return setenv("OPENCV_IO_MAX_IMAGE_PIXELS", "67108864", 0) == 0; }();
  (void)once;
}

LoadedImage convert(cv::Mat m, const std::string& source, std::optional<ImageShape> shape) {
  if (m.empty() || m.rows <= 0 || m.cols <= 0) throw DataError(source + ": not a readable image (OpenCV could not decode it)");
  if (m.channels() != 1 && m.channels() != 3 && m.channels() != 4)
    throw DataError(source + ": images with " + std::to_string(m.channels()) + " channels are not supported");
  if (m.depth() != CV_8U) m.convertTo(m, CV_8U, m.depth() == CV_16U ? 1.0 / 257 : 1.0);
  std::string note;
  auto add = [&](const std::string& what) { note += (note.empty() ? "" : "; ") + what; };
  if (m.channels() == 4) {
    cv::cvtColor(m, m, cv::COLOR_BGRA2BGR);
    add("alpha dropped");
  }
  if (shape) {
    if (shape->channels == 1 && m.channels() == 3) {
      cv::cvtColor(m, m, cv::COLOR_BGR2GRAY);
      add("converted to grey");
    } else if (shape->channels == 3 && m.channels() == 1) {
      cv::cvtColor(m, m, cv::COLOR_GRAY2BGR);
      add("grey copied to 3 channels");
    }
    if (m.rows != shape->height || m.cols != shape->width) {
      add("resized from " + std::to_string(m.cols) + "x" + std::to_string(m.rows) + " to " + std::to_string(shape->width) +
          "x" + std::to_string(shape->height));
      const bool down = m.rows > shape->height || m.cols > shape->width;
      cv::resize(m, m, cv::Size(static_cast<int>(shape->width), static_cast<int>(shape->height)), 0, 0,
                 down ? cv::INTER_AREA : cv::INTER_NEAREST);
    }
  }
  return {fromMat(m), note};
}
}  // namespace

Pixels8 convertPixels(const Pixels8& pixels, ImageShape shape, std::string* conversion) {
  if (pixels.empty()) throw DataError("an empty image cannot be converted");
  auto loaded = convert(toMat(fromPixels(pixels)), "image", shape);
  if (conversion) *conversion = loaded.conversion;
  return toPixels(loaded.image);
}

LoadedImage decodeImage(const std::string& bytes, const std::string& source, std::optional<ImageShape> shape) {
  limitImageSize();
  cv::Mat m;
  try {
    if (!bytes.empty()) m = cv::imdecode(cv::Mat(1, int(bytes.size()), CV_8UC1, const_cast<char*>(bytes.data())), cv::IMREAD_UNCHANGED);
  } catch (const cv::Exception& e) {
    throw DataError(source + ": not a readable image (" + std::string(e.err).substr(0, 100) + ")");
  }
  return convert(m, source, shape);
}

LoadedImage readImage(const std::string& path, std::optional<ImageShape> shape) {
  std::string bytes;
  try {
    bytes = readFile(path);
  } catch (const std::exception& e) {
    throw DataError(e.what());
  }
  return decodeImage(bytes, path, shape);
}

std::string encodePng(const torch::Tensor& image) {
  std::vector<uchar> buf;
  if (!cv::imencode(".png", toMat(image), buf)) throw std::runtime_error("PNG encoding failed");
  return std::string(buf.begin(), buf.end());
}

#else
bool haveImageCodecs() { return false; }
Pixels8 convertPixels(const Pixels8& pixels, ImageShape shape, std::string* conversion) {
  if (pixels.channels != shape.channels || pixels.height != shape.height || pixels.width != shape.width)
    throw DataError("this build has no OpenCV and cannot convert images to the model's shape");
  if (conversion) conversion->clear();
  return pixels;
}
LoadedImage decodeImage(const std::string&, const std::string& source, std::optional<ImageShape>) {
  throw DataError(source + ": this build has no OpenCV, so it reads IDX and CIFAR-10 files only");
}
LoadedImage readImage(const std::string& path, std::optional<ImageShape> shape) { return decodeImage({}, path, shape); }
std::string encodePng(const torch::Tensor&) {
  throw std::runtime_error("this build has no OpenCV and cannot write PNG files");
}
#endif

void writePng(const std::string& path, const torch::Tensor& image) { writeFileAtomically(path, encodePng(image)); }

torch::Tensor makeGrid(const torch::Tensor& images, int64_t columns, int64_t pad, int padValue) {
  const auto n = images.size(0), c = images.size(1), h = images.size(2), w = images.size(3);
  columns = std::max<int64_t>(1, std::min(columns, n));
  const int64_t rows = (n + columns - 1) / columns;
  auto grid = torch::full({c, rows * (h + pad) + pad, columns * (w + pad) + pad}, padValue, torch::kUInt8);
  auto src = images.to(torch::kUInt8).cpu();
  for (int64_t i = 0; i < n; ++i) {
    const int64_t r = i / columns, col = i % columns;
    grid.narrow(1, pad + r * (h + pad), h).narrow(2, pad + col * (w + pad), w).copy_(src[i]);
  }
  return grid;
}

}  // namespace flowpp
