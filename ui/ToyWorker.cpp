#include "ToyWorker.h"

#include <QTimer>

#include <chrono>

#include "toy/Dequant1D.h"
#include "toy/ToyLab.h"

namespace flowpp::ui {

namespace {
using Clock = std::chrono::steady_clock;
double msSince(Clock::time_point t) { return std::chrono::duration<double, std::milli>(Clock::now() - t).count(); }
constexpr double kFrameBudgetMs = 36;  // training + drawing per frame: about 28 frames per second
}  // namespace

ToyWorker::ToyWorker(QObject* parent) : QObject(parent), context_(new QObject) {
  qRegisterMetaType<flowpp::ToyFrame>();
  qRegisterMetaType<flowpp::Dequant1DReport>();
  thread_.setObjectName("Playground");
  context_->moveToThread(&thread_);
  connect(&thread_, &QThread::finished, context_, &QObject::deleteLater);
  thread_.start();
}

ToyWorker::~ToyWorker() {
  cancelDequant_ = true;
  QMetaObject::invokeMethod(context_, [this] {
    running_ = false;
    lab_.reset();
  }, Qt::BlockingQueuedConnection);
  thread_.quit();
  thread_.wait();
}

void ToyWorker::reset(const ToyLabOptions& options, const ToyViewSettings& view) {
  QMetaObject::invokeMethod(context_, [this, options, view] {
    running_ = false;
    view_ = view;
    lab_.reset();
    guarded([&] {
      lab_ = std::make_unique<ToyLab>(options);
      frameInFlight_ = false;
      emitFrame();
    });
  });
}

void ToyWorker::setRunning(bool running) {
  QMetaObject::invokeMethod(context_, [this, running] {
    const bool start = running && !running_ && lab_;
    running_ = running && lab_;
    if (start) tick();
    if (!running_) Q_EMIT paused();
  });
}

void ToyWorker::step() {
  QMetaObject::invokeMethod(context_, [this] {
    if (!lab_ || running_) return;
    guarded([this] {
      lab_->train(stepsPerFrame_);
      frameInFlight_ = false;  // an explicit step always shows its result
      emitFrame();
    });
  });
}

void ToyWorker::guarded(const std::function<void()>& work) {
  try {
    work();
  } catch (const std::exception& e) {
    running_ = false;
    Q_EMIT failed(QString::fromStdString(e.what()));
  }
}

void ToyWorker::setView(const ToyViewSettings& view) {
  QMetaObject::invokeMethod(context_, [this, view] {
    view_ = view;
    if (lab_ && !running_) {
      frameInFlight_ = false;
      guarded([this] { emitFrame(); });
    }
  });
}

void ToyWorker::frameShown() { frameInFlight_ = false; }

// While running: train a frame's worth of steps, send a frame if the GUI has shown the last one,
// and come back through the event loop (so reset/pause/view changes get in between).
void ToyWorker::tick() {
  if (!running_ || !lab_) return;
  guarded([this] {
    const auto start = Clock::now();
    lab_->train(stepsPerFrame_);
    const double ms = msSince(start) / stepsPerFrame_;
    msPerStep_ = msPerStep_ == 0 ? ms : 0.8 * msPerStep_ + 0.2 * ms;
    if (!frameInFlight_) emitFrame();
  });
  if (running_) QTimer::singleShot(0, context_, [this] { tick(); });
}

void ToyWorker::emitFrame() {
  if (!lab_) return;
  const auto start = Clock::now();
  auto frame = lab_->frame(view_.grid, view_.layer, view_.points);
  const double frameMs = msSince(start);
  // Fit the training steps into what is left of the frame budget.
  if (msPerStep_ > 0) stepsPerFrame_ = std::clamp(int((kFrameBudgetMs - frameMs) / msPerStep_), 1, 50);
  frameInFlight_ = true;
  Q_EMIT frameReady(frame, msPerStep_, frameMs);
}

void ToyWorker::fitDequant(const Dequant1DOptions& options) {
  cancelDequant_ = false;
  QMetaObject::invokeMethod(context_, [this, options] {
    try {
      auto report = fitDequant1D(options, [this](int done, int total) {
        Q_EMIT dequantProgress(done, total);
        return !cancelDequant_.load();
      });
      Q_EMIT dequantReady(report);
    } catch (const std::exception& e) {
      Q_EMIT failed(QString::fromStdString(e.what()));
    }
  });
}

void ToyWorker::cancelDequant() { cancelDequant_ = true; }

}  // namespace flowpp::ui
