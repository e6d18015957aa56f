#include "data/ImageIo.h"

#include "util/AtomicFile.h"

#ifdef FLOWPP_HAVE_OPENCV
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#endif

namespace flowpp {

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
}  // namespace

LoadedImage readImage(const std::string& path, std::optional<ImageShape> shape) {
  cv::Mat m = cv::imread(path, cv::IMREAD_UNCHANGED);
  if (m.empty()) throw DataError(path + ": not a readable image (OpenCV could not decode it)");
  if (m.depth() != CV_8U) m.convertTo(m, CV_8U, m.depth() == CV_16U ? 1.0 / 257 : 1.0);
  LoadedImage out;
  std::string note;
  if (m.channels() == 4) {
    cv::cvtColor(m, m, cv::COLOR_BGRA2BGR);
    note = "alpha dropped";
  }
  if (shape) {
    if (shape->channels == 1 && m.channels() == 3) {
      cv::cvtColor(m, m, cv::COLOR_BGR2GRAY);
      note += std::string(note.empty() ? "" : "; ") + "converted to grey";
    } else if (shape->channels == 3 && m.channels() == 1) {
      cv::cvtColor(m, m, cv::COLOR_GRAY2BGR);
      note += std::string(note.empty() ? "" : "; ") + "grey copied to 3 channels";
    }
    if (m.rows != shape->height || m.cols != shape->width) {
      note += std::string(note.empty() ? "" : "; ") + "resized from " + std::to_string(m.cols) + "x" +
              std::to_string(m.rows) + " to " + std::to_string(shape->width) + "x" + std::to_string(shape->height);
      const bool down = m.rows > shape->height || m.cols > shape->width;
      cv::resize(m, m, cv::Size(static_cast<int>(shape->width), static_cast<int>(shape->height)), 0, 0,
                 down ? cv::INTER_AREA : cv::INTER_NEAREST);
    }
  }
  out.image = fromMat(m);
  out.conversion = note;
  return out;
}

std::string encodePng(const torch::Tensor& image) {
  std::vector<uchar> buf;
  if (!cv::imencode(".png", toMat(image), buf)) throw std::runtime_error("PNG encoding failed");
  return std::string(buf.begin(), buf.end());
}

#else
bool haveImageCodecs() { return false; }
LoadedImage readImage(const std::string& path, std::optional<ImageShape>) {
  throw DataError(path + ": this build has no OpenCV, so it reads IDX and CIFAR-10 files only");
}
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
