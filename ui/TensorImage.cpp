#include "TensorImage.h"

#include <algorithm>
#include <array>

namespace flowpp::ui {

QImage toQImage(const torch::Tensor& image8) {
  auto t = image8.to(torch::kUInt8).cpu().contiguous();
  const int c = static_cast<int>(t.size(0)), h = static_cast<int>(t.size(1)), w = static_cast<int>(t.size(2));
  if (c == 1) {
    QImage img(w, h, QImage::Format_Grayscale8);
    for (int y = 0; y < h; ++y) std::memcpy(img.scanLine(y), t.data_ptr<uint8_t>() + y * w, w);
    return img;
  }
  auto hwc = t.permute({1, 2, 0}).contiguous();
  QImage img(w, h, QImage::Format_RGB888);
  for (int y = 0; y < h; ++y) std::memcpy(img.scanLine(y), hwc.data_ptr<uint8_t>() + y * w * 3, w * 3);
  return img;
}

torch::Tensor fromQImage(const QImage& image, int channels) {
  const QImage img = image.convertToFormat(channels == 1 ? QImage::Format_Grayscale8 : QImage::Format_RGB888);
  const int h = img.height(), w = img.width();
  auto t = torch::empty({h, w, channels}, torch::kUInt8);
  for (int y = 0; y < h; ++y) std::memcpy(t.data_ptr<uint8_t>() + y * w * channels, img.constScanLine(y), w * channels);
  return t.permute({2, 0, 1}).contiguous();
}

QColor viridis(double t) {
  // Five anchor colours of matplotlib's viridis, linearly interpolated.
  static const std::array<std::array<double, 3>, 5> anchors = {
      {{68, 1, 84}, {59, 82, 139}, {33, 145, 140}, {94, 201, 98}, {253, 231, 37}}};
  t = std::clamp(t, 0.0, 1.0) * 4.0;
  const int i = std::min(3, static_cast<int>(t));
  const double f = t - i;
  auto mix = [&](int k) { return static_cast<int>(anchors[i][k] + f * (anchors[i + 1][k] - anchors[i][k])); };
  return QColor(mix(0), mix(1), mix(2));
}

QImage heatmapImage(const QVector<double>& values, int width, int height, double lo, double hi) {
  QImage img(width, height, QImage::Format_RGB32);
  const double span = std::max(hi - lo, 1e-12);
  for (int y = 0; y < height; ++y)
    for (int x = 0; x < width; ++x) img.setPixelColor(x, y, viridis((values[y * width + x] - lo) / span));
  return img;
}

}  // namespace flowpp::ui
