#pragma once
// One worker thread of the model session, owning its own copy of the model. Internal to the
// session (it includes torch); panels never include it.
#include <QObject>
#include <QThread>

#include <functional>

#include "model/FlowPlusPlus.h"

namespace flowpp::ui {

class ModelWorker {
 public:
  explicit ModelWorker(const QString& name);
  ~ModelWorker();  // finishes the running job, drops the queued ones, stops the thread
  ModelWorker(const ModelWorker&) = delete;
  ModelWorker& operator=(const ModelWorker&) = delete;

  // Queues `job` to run on the worker's thread, after the jobs already queued.
  void post(std::function<void()> job);

  FlowPlusPlus model{nullptr};  // touched only on the worker's thread

 private:
  QThread thread_;
  QObject* context_;
};

}  // namespace flowpp::ui
