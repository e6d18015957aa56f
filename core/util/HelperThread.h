#pragma once
// One long-lived thread that runs jobs in order, with torch at one intra-op thread. For small torch
// work split over two cores (the playground's two flows): a new std::async thread per job would pay
// torch's per-thread start-up (its thread pool is resized on each new thread's first operation).
// A job may use the caller's locals by reference: its Result waits for it when it goes out of
// scope, also when the caller leaves by an exception, so the job never outlives what it uses. An
// exception thrown by the job comes out of Result::get().
#include <condition_variable>
#include <deque>
#include <functional>
#include <future>
#include <mutex>
#include <thread>

namespace flowpp {

class HelperThread {
 public:
  HelperThread();
  ~HelperThread();  // finishes the queued jobs
  HelperThread(const HelperThread&) = delete;
  HelperThread& operator=(const HelperThread&) = delete;

  template <typename T>
  class Result {
   public:
    explicit Result(std::future<T> future) : future_(std::move(future)) {}
    ~Result() {
      if (future_.valid()) future_.wait();
    }
    Result(Result&&) = default;
    Result& operator=(Result&&) = delete;
    T get() { return future_.get(); }

   private:
    std::future<T> future_;
  };

  template <typename F>
  auto run(F f) -> Result<decltype(f())> {
    auto task = std::make_shared<std::packaged_task<decltype(f())()>>(std::move(f));
    Result<decltype(f())> result(task->get_future());
    push([task] { (*task)(); });
    return result;
  }

 private:
  void push(std::function<void()> job);
  void loop();

  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::function<void()>> jobs_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace flowpp
