#pragma once
// The 2-D playground: a small Flow++ (mixture-of-logistics couplings, ActNorm, alternating or
// rotation splits, MLP conditioners) and an affine-coupling flow with the same parameter count learn
// a target live, side by side: their densities beside the target's, their samples, the plane as each
// layer bends it (data and samples at any layer), and the NLL curves. Training runs on ToyWorker's
// thread; the panel only draws the frames it sends.
#include <QElapsedTimer>
#include <QWidget>

#include "ToyWorker.h"

class QCheckBox;
class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QPushButton;
class QSlider;
class QSpinBox;

namespace flowpp::ui {

class DrawCanvas;
class ToyCurves;
class ToyPlane;

class PlaygroundPanel : public QWidget {
  Q_OBJECT
 public:
  explicit PlaygroundPanel(QWidget* parent = nullptr);
  ToyLabOptions options() const;
  const ToyFrame& lastFrame() const { return last_; }
  double framesPerSecond() const { return fps_; }
  bool isRunning() const { return running_; }
  ToyWorker* worker() const { return worker_; }  // shared with the 1-D dequantization view

 public Q_SLOTS:
  void setRunning(bool running);
  void redraw();  // draws the experiment as it is now (after everything asked of the worker before)
  void stepOnce();
  void resetLab();
  void setTarget(ToyTargetKind kind);
  void loadTargetImage(const QString& path);  // a grey image as the target density
  bool exportPng(const QString& path) const;
  void recordFrames(const QString& folder);  // empty: stop recording

 Q_SIGNALS:
  void frameShown();
  void paused();  // the worker has stopped training (see ToyWorker::paused)
  void message(const QString& text);  // an error for the window's message bar

 protected:
  void showEvent(QShowEvent* e) override;

 private:
  QWidget* buildControls();
  void showFrame(const ToyFrame& frame, double msPerStep, double frameMs);
  ToyViewSettings view() const;
  void updateLayerLabel();
  void sendView();

  ToyWorker* worker_;
  QComboBox *target_, *split_;
  QSpinBox *components_, *layers_, *hidden_, *batch_, *seed_;
  QDoubleSpinBox* learningRate_;
  QPushButton *run_, *step_, *reset_;
  QSlider* layer_;
  QLabel *layerLabel_, *status_;
  QCheckBox* samplesOnDensity_;
  DrawCanvas* canvas_;
  ToyPlane *targetView_, *mixtureView_, *affineView_, *mixtureLayers_, *affineLayers_;
  ToyCurves* curves_;
  QWidget* views_;
  ToyTarget painted_;
  ToyFrame last_;
  bool running_ = false, started_ = false;
  double fps_ = 0;
  QElapsedTimer sinceFrame_;
  QString recordFolder_;
  int recorded_ = 0;
};

}  // namespace flowpp::ui
