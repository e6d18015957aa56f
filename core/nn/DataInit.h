#pragma once
// Data-dependent initialisation (Salimans & Kingma 2016; Flow++'s official code does it for every
// conv, dense and ActNorm layer on a batch of 128 images). While a DataInitGuard lives on this
// thread, layers that support it set their parameters from the statistics of the batch they see.
namespace flowpp {

class DataInitGuard {
 public:
  DataInitGuard() : previous_(active_) { active_ = true; }
  ~DataInitGuard() { active_ = previous_; }
  DataInitGuard(const DataInitGuard&) = delete;
  DataInitGuard& operator=(const DataInitGuard&) = delete;
  static bool active() { return active_; }

 private:
  bool previous_;
  static inline thread_local bool active_ = false;
};

}  // namespace flowpp
