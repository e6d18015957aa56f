#pragma once
// Runs the project's trainer (core/train/Trainer, the same code as `flowpp train`) on its own
// thread, for a queue of runs. Metrics lines are appended to a guarded buffer that the GUI drains
// on a timer (no per-line signal storm). stop() ends the current run after its step, with a
// checkpoint, so a stopped run can be resumed exactly; a bad step pauses the run the same way.
// Torch-free header: the trainer is included by the .cpp only.
#include <QMutex>
#include <QThread>
#include <QVector>

#include <atomic>

#include "model/ModelConfig.h"
#include "train/TrainOptions.h"

namespace flowpp::ui {

struct TrainingJob {
  QString name;
  ModelConfig config;  // a new run's; a resumed run's comes from its checkpoint (jobStarted says which)
  TrainOptions options;
  QString trainData, testData;
  // Train for as many steps as the queue's first job reached (its budget may be in minutes): the
  // ablations compare like with like, step for step, whatever each variant's speed.
  bool stepsOfFirstJob = false;
};

class TrainingWorker : public QThread {
  Q_OBJECT
 public:
  explicit TrainingWorker(QObject* parent = nullptr) : QThread(parent) {}
  ~TrainingWorker() override;
  // Call before start(); clears a stop left from the previous run.
  void setJobs(const QVector<TrainingJob>& jobs);
  void stop() { stop_ = true; }  // honoured even before run() begins
  bool stopRequested() const { return stop_; }
  // Lines produced since the last call, tagged with the job's name.
  QVector<QPair<QString, QByteArray>> drain();
  QString divergence() const;  // why the last run paused itself, or ""

 Q_SIGNALS:
  // A job begins, with the config it trains (for a resumed run: its checkpoint's).
  void jobStarted(const QString& name, const flowpp::ModelConfig& config);
  void jobFailed(const QString& name, const QString& message);

 protected:
  void run() override;

 private:
  QVector<TrainingJob> jobs_;
  std::atomic<bool> stop_{false};
  mutable QMutex mutex_;
  QVector<QPair<QString, QByteArray>> buffer_;
  QString divergence_;
};

}  // namespace flowpp::ui

Q_DECLARE_METATYPE(flowpp::ModelConfig)
