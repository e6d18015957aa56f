#pragma once
// Runs the project's trainer (core/train/Trainer, the same code as `flowpp train`) on its own
// thread, for a queue of runs. Metrics lines are appended to a guarded buffer that the GUI drains
// on a timer (no per-line signal storm). stop() ends the current run after its step, with a
// checkpoint, so a stopped run can be resumed exactly. A bad step pauses the run the same way.
#include <QMutex>
#include <QStringList>
#include <QThread>

#include <atomic>

#include "model/ModelConfig.h"
#include "train/Trainer.h"

namespace flowpp::ui {

struct TrainingJob {
  QString name;
  ModelConfig config;
  TrainOptions options;
  QString trainData, testData;
};

class TrainingWorker : public QThread {
  Q_OBJECT
 public:
  explicit TrainingWorker(QObject* parent = nullptr) : QThread(parent) {}
  ~TrainingWorker() override;
  void setJobs(const QVector<TrainingJob>& jobs) { jobs_ = jobs; }
  void stop() { stop_ = true; }
  // Lines produced since the last call, tagged with the job's name.
  QVector<QPair<QString, QByteArray>> drain();
  QString divergence() const;  // why the last run paused itself, or ""

 Q_SIGNALS:
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
