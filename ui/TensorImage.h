#pragma once
// Conversions between uint8 image tensors [C, H, W] and QImage (grey or RGB), for display only.
#include <QImage>
#include <QVector>

#include <torch/torch.h>

namespace flowpp::ui {

QImage toQImage(const torch::Tensor& image8);  // uint8 [1|3, H, W]
torch::Tensor fromQImage(const QImage& image, int channels);  // -> uint8 [channels, H, W]
// A colour-mapped (viridis-like) image of a [H, W] map between lo and hi.
QImage heatmapImage(const QVector<double>& values, int width, int height, double lo, double hi);
QColor viridis(double t);  // t in [0, 1]

}  // namespace flowpp::ui
