#include "PixelsImage.h"

#include <QColor>

#include <cstring>

namespace flowpp::ui {

QImage toQImage(const Pixels8& p) {
  if (p.empty()) return {};
  QImage img(p.width, p.height, p.channels == 1 ? QImage::Format_Grayscale8 : QImage::Format_RGB888);
  const int row = p.width * p.channels;
  for (int y = 0; y < p.height; ++y) std::memcpy(img.scanLine(y), p.data.data() + size_t(y) * row, row);
  return img;
}

Pixels8 toPixels8(const QImage& image) {
  if (image.isNull()) return {};
  const bool grey = image.isGrayscale();
  const QImage img = image.convertToFormat(grey ? QImage::Format_Grayscale8 : QImage::Format_RGB888);
  Pixels8 p{grey ? 1 : 3, img.height(), img.width(), {}};
  const int row = p.width * p.channels;
  p.data.resize(size_t(row) * p.height);
  for (int y = 0; y < p.height; ++y) std::memcpy(p.data.data() + size_t(y) * row, img.constScanLine(y), row);
  return p;
}

QImage heatmapImage(const std::vector<double>& values, int width, int height, double lo, double hi) {
  return toQImage(colourMap(values, width, height, lo, hi));
}

QColor colourAt(double t) {
  uint8_t rgb[3];
  flowpp::colourAt(t, rgb);
  return QColor(rgb[0], rgb[1], rgb[2]);
}

}  // namespace flowpp::ui
