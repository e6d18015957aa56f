#pragma once
// Counts multiply-add FLOPs (2 per MAC) of convolutions and attention products, and the
// exponentials of the attention weights, on this thread while a FlopCounter lives. Used by
// `flowpp bench` to report FLOPs per image and the floor of the sampling latency.
#include <cstdint>

namespace flowpp {

class FlopCounter {
 public:
  FlopCounter() : previous_(current_) { current_ = this; }
  ~FlopCounter() { current_ = previous_; }
  FlopCounter(const FlopCounter&) = delete;
  FlopCounter& operator=(const FlopCounter&) = delete;
  static void add(double flops) {
    if (current_) current_->flops_ += flops;
  }
  static void addExps(double exps) {
    if (current_) current_->exps_ += exps;
  }
  double flops() const { return flops_; }
  double exps() const { return exps_; }

 private:
  double flops_ = 0, exps_ = 0;
  FlopCounter* previous_;
  static inline thread_local FlopCounter* current_ = nullptr;
};

}  // namespace flowpp
