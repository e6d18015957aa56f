#pragma once
// One worker thread of the model session, owning its own copy of the model. Internal to the
// session (it includes torch); panels never include it.
#include <QObject>
#include <QThread>

#include <atomic>
#include <functional>

#include "model/FlowPlusPlus.h"

namespace flowpp::ui {

class ModelWorker {
 public:
  explicit ModelWorker(const QString& name);
  ~ModelWorker();  // stop()
  // Finishes the running job, drops the queued ones and joins the thread; later posts are dropped.
  // Call from the thread that owns the worker (the GUI thread).
  void stop();
  ModelWorker(const ModelWorker&) = delete;
  ModelWorker& operator=(const ModelWorker&) = delete;

  // Queues `job` to run on the worker's thread, after the jobs already queued.
  void post(std::function<void()> job);

  FlowPlusPlus model{nullptr};  // touched only on the worker's thread

 private:
  QThread thread_;
  QObject* context_;
  std::atomic<bool> stopped_{false};
};

}  // namespace flowpp::ui
