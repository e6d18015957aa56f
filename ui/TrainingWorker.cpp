#include "TrainingWorker.h"


#include "data/Dataset.h"
#include "train/ResumePoint.h"
#include "train/Trainer.h"
#include "util/Runtime.h"

namespace flowpp::ui {

TrainingWorker::~TrainingWorker() {
  stop_ = true;
  wait();
}

void TrainingWorker::setJobs(const QVector<TrainingJob>& jobs) {
  jobs_ = jobs;
  stop_ = false;
  QMutexLocker lock(&mutex_);
  divergence_.clear();
}

QVector<QPair<QString, QByteArray>> TrainingWorker::drain() {
  QMutexLocker lock(&mutex_);
  QVector<QPair<QString, QByteArray>> out;
  out.swap(buffer_);
  return out;
}

QString TrainingWorker::divergence() const {
  QMutexLocker lock(&mutex_);
  return divergence_;
}

void TrainingWorker::run() {
  qRegisterMetaType<ModelConfig>();
  int64_t firstJobSteps = 0;
  for (int i = 0; i < jobs_.size(); ++i) {
    auto job = jobs_[i];
    if (stop_) break;
    if (job.stepsOfFirstJob) {
      if (firstJobSteps <= 0) {
        Q_EMIT jobFailed(job.name, tr("the first run of the queue reached no step to match"));
        continue;
      }
      job.options.steps = firstJobSteps, job.options.minutes = 0;
    }
    try {
      if (job.options.resume) job.config = findResumePoint(job.options.runDir).config;
      Q_EMIT jobStarted(job.name, job.config);
      const ImageShape shape{job.config.channels, job.config.height, job.config.width};
      DataOptions trainRead;
      trainRead.shape = shape, trainRead.role = DataRole::Train;
      auto trainSet = loadDataset(job.trainData.toStdString(), trainRead);
      std::optional<ImageDataset> testSet;
      DataOptions testRead = trainRead;
      testRead.role = DataRole::Test;
      if (!job.testData.isEmpty()) testSet = loadDataset(job.testData.toStdString(), testRead);
      auto options = job.options;
      options.pauseOnBadStep = true;
      auto summary = train(job.config, trainSet, testSet ? &*testSet : nullptr, options, &stop_, [&](const nlohmann::json& j) {
        QMutexLocker lock(&mutex_);
        buffer_.push_back({job.name, QByteArray::fromStdString(j.dump())});
      });
      if (i == 0) firstJobSteps = summary.step;
      if (summary.pausedOnBadStep || summary.diverged) {
        QMutexLocker lock(&mutex_);
        divergence_ = QString::fromStdString(summary.badStepMessage);
        break;
      }
    } catch (const std::exception& e) {
      Q_EMIT jobFailed(job.name, QString::fromStdString(e.what()));
    }
  }
  releaseFreeMemory();  // hand the run's activations back to the system: the studio stays small after training
}

}  // namespace flowpp::ui
