#include "TrainingWorker.h"

#include "data/Dataset.h"

namespace flowpp::ui {

TrainingWorker::~TrainingWorker() {
  stop_ = true;
  wait();
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
  stop_ = false;
  {
    QMutexLocker lock(&mutex_);
    divergence_.clear();
  }
  for (const auto& job : jobs_) {
    if (stop_) break;
    try {
      auto trainSet = loadDataset(job.trainData.toStdString(), 0);
      std::optional<ImageDataset> testSet;
      if (!job.testData.isEmpty()) testSet = loadDataset(job.testData.toStdString(), 0);
      train(job.config, trainSet, testSet ? &*testSet : nullptr, job.options, &stop_, [&](const nlohmann::json& j) {
        const std::string event = j.value("event", "");
        if (event == "bad_step" || event == "restored" || event == "diverged") {
          QMutexLocker lock(&mutex_);
          divergence_ = QString::fromStdString(j.value("message", event));
          stop_ = true;  // pause: the trainer checkpoints and returns
        }
        QMutexLocker lock(&mutex_);
        buffer_.push_back({job.name, QByteArray::fromStdString(j.dump())});
      });
    } catch (const std::exception& e) {
      Q_EMIT jobFailed(job.name, QString::fromStdString(e.what()));
    }
  }
}

}  // namespace flowpp::ui
