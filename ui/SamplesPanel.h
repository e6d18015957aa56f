#pragma once
// Live sampling: a grid of samples x = f^-1(T * eps) with a temperature slider, a seed, zoom, export.
#include <QWidget>

#include "ModelSession.h"

class QLabel;
class QSlider;
class QSpinBox;

namespace flowpp::ui {

class ImageGrid;
class PixelView;

class SamplesPanel : public QWidget {
  Q_OBJECT
 public:
  explicit SamplesPanel(ModelSession* session, QWidget* parent = nullptr);
  QSlider* temperatureSlider() const { return temperature_; }
  QSpinBox* seedBox() const { return seed_; }
  ImageGrid* grid() const { return grid_; }
  double temperature() const;
  const SampleResult& lastResult() const { return last_; }
  QImage selectedImage() const;

 public Q_SLOTS:
  void resample();
  void newSeed();
  void saveGrid();
  void saveSelected();

 Q_SIGNALS:
  void samplesShown();  // after the grid shows a new result

 private:
  void showResult(const SampleResult& r);
  ModelSession* session_;
  ImageGrid* grid_;
  PixelView* zoom_;
  QSlider* temperature_;
  QLabel *temperatureLabel_, *info_, *zoomInfo_;
  QSpinBox *seed_, *gridSize_;
  SampleResult last_;
};

}  // namespace flowpp::ui
