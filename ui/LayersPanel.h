#pragma once
// The layers view of the image model: for an image, the tensor after every layer of the flow as
// image tiles and each layer's share of the image's bits per pixel (negative where a layer saves
// bits); for a sample, the inverse pass from z back to the image, with the Newton iterations each
// layer's couplings took. Rendering only: the report comes from core (explore/LayerView).
#include <QWidget>

#include <functional>

#include "ModelSession.h"

class QDoubleSpinBox;
class QLabel;
class QSpinBox;
class QVBoxLayout;

namespace flowpp::ui {

class LayersPanel : public QWidget {
  Q_OBJECT
 public:
  LayersPanel(ModelSession* session, std::function<QImage()> currentSample, QWidget* parent = nullptr);
  const LayersReport& lastResult() const { return last_; }
  void setImage(const QImage& image);
  void showSample(double temperature, quint64 seed);  // the inverse pass of this sample
  bool exportPng(const QString& path) const;

 Q_SIGNALS:
  void layersShown();

 protected:
  void showEvent(QShowEvent* e) override;

 private:
  void showReport(const LayersReport& r);
  QWidget* row(const LayerView& layer, int scale) const;

  ModelSession* session_;
  std::function<QImage()> currentSample_;
  QImage image_;
  QLabel* summary_;
  QDoubleSpinBox* temperature_;
  QSpinBox* seed_;
  QWidget* rows_;
  QVBoxLayout* rowsLayout_;
  LayersReport last_;
};

}  // namespace flowpp::ui
