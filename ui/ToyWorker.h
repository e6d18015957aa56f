#pragma once
// The playground's worker thread: it owns the ToyLab (the 2-D mixture and affine flows) and the 1-D
// dequantization fit, trains while running, and sends frames to the GUI thread no faster than the
// GUI shows them (one frame in flight), so the GUI never queues up and never waits.
#include <QObject>
#include <QThread>

#include <atomic>
#include <functional>
#include <memory>

#include "toy/ToyTypes.h"

namespace flowpp {
class ToyLab;
}

namespace flowpp::ui {

struct ToyViewSettings {
  int grid = 64, layer = 6, points = 600;
};

class ToyWorker : public QObject {
  Q_OBJECT
 public:
  explicit ToyWorker(QObject* parent = nullptr);
  ~ToyWorker() override;  // stops training and the thread

  // All of these return at once; the work happens on the worker's thread.
  // A new experiment (paused) drawn with `view`; an error comes as failed().
  void reset(const ToyLabOptions& options, const ToyViewSettings& view);
  void setRunning(bool running);
  void step();                               // one frame's worth of steps, then a frame (when paused)
  void setView(const ToyViewSettings& view);         // redraws at once when paused
  void frameShown();                         // the GUI is ready for the next frame
  void fitDequant(const Dequant1DOptions& options);
  void cancelDequant();

 Q_SIGNALS:
  void frameReady(const flowpp::ToyFrame& frame, double trainMsPerStep, double frameMs);
  // Training has stopped on the worker (after setRunning(false)): every frame it sent before has
  // already arrived when this does.
  void paused();
  void failed(const QString& message);
  void dequantProgress(int done, int total);
  void dequantReady(const flowpp::Dequant1DReport& report);

 private:
  void tick();
  void emitFrame();
  // Runs `work` on the worker's thread; an exception pauses training and comes out as failed().
  void guarded(const std::function<void()>& work);

  QThread thread_;
  QObject* context_;                 // lives on thread_: everything below is touched only there
  std::unique_ptr<ToyLab> lab_;
  ToyViewSettings view_;
  bool running_ = false;
  int stepsPerFrame_ = 2;
  double msPerStep_ = 0;
  std::atomic<bool> frameInFlight_{false};
  std::atomic<bool> cancelDequant_{false};
};

}  // namespace flowpp::ui

Q_DECLARE_METATYPE(flowpp::ToyFrame)
Q_DECLARE_METATYPE(flowpp::Dequant1DReport)
