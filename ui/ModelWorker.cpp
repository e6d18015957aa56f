#include "ModelWorker.h"

#include <ATen/Context.h>

namespace flowpp::ui {

ModelWorker::ModelWorker(const QString& name) : context_(new QObject) {
  context_->moveToThread(&thread_);
  QObject::connect(&thread_, &QThread::finished, context_, &QObject::deleteLater);
  thread_.setObjectName(name);
  thread_.start();
  // The floating-point environment is per thread: flush denormals where the work runs.
  post([] { at::globalContext().setFlushDenormal(true); });
}

ModelWorker::~ModelWorker() { stop(); }

void ModelWorker::stop() {
  stopped_ = true;
  thread_.quit();
  thread_.wait();  // the context (and every job still queued on it) is deleted as the thread finishes
}

void ModelWorker::post(std::function<void()> job) {
  if (stopped_) return;
  QMetaObject::invokeMethod(context_, [job = std::move(job)] { job(); }, Qt::QueuedConnection);
}

}  // namespace flowpp::ui
