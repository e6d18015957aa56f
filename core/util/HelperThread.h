#pragma once
// One long-lived thread that runs jobs in order, with torch at one intra-op thread. For small torch
// work split over two cores (the playground's two flows): a new std::async thread per job would pay
// torch's per-thread start-up (its thread pool is resized on each new thread's first operation).
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

  template <typename F>
  auto run(F f) -> std::future<decltype(f())> {
    auto task = std::make_shared<std::packaged_task<decltype(f())()>>(std::move(f));
    auto result = task->get_future();
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
