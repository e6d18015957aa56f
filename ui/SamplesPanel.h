#pragma once
// Live sampling: a grid of samples x = f^-1(T * eps) with a temperature slider, a seed, zoom, export.
// The status line says when a request is waiting for the worker or being computed, so a moved
// slider never shows its new value over old images without saying so.
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
  const SampleReport& lastResult() const { return last_; }
  QImage selectedImage() const;
  QString statusText() const;
  QString stateText() const;                   // the request line alone ("Sampling…"), empty when idle
  int requestsInFlight() const { return inFlight_; }
  QString zoomCaption() const;
  // The temperature the panel starts at: flows give cleaner samples a little below 1 (see README).
  static constexpr int kDefaultTemperaturePercent = 80;

 public Q_SLOTS:
  void resample();
  void newSeed();
  void saveGrid();
  void saveSelected();

 Q_SIGNALS:
  void samplesShown();  // after the grid shows a new result

 private:
  void showResult(const SampleReport& r);
  void showZoom(int index);
  void onModelOpened();
  ModelSession* session_;
  ImageGrid* grid_;
  PixelView* zoom_;
  QSlider* temperature_;
  QLabel *temperatureLabel_, *info_, *zoomInfo_, *state_;
  QSpinBox *seed_, *gridSize_;
  SampleReport last_;
  bool firstGrid_ = true;  // the first grid after a model opens is small, so samples appear at once
  int inFlight_ = 0;       // sample requests that have not ended yet
};

}  // namespace flowpp::ui
