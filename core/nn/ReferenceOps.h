#pragma once
// The independent path. While a ReferenceOpsGuard lives on a thread, the fused functions of this
// project (the mixture coupling and its inverse, attention, concat_elu and the convolution after
// it, the gated residual) run there as their written-out ATen ops, and autograd differentiates
// those ops instead of the hand-written backward passes. Checks use it to build Jacobians and
// reference values that do not go through the code they check (explore/SelfCheck, the tests).
// The custom autograd functions also refuse a second derivative with a message naming this guard.
namespace flowpp {

class ReferenceOpsGuard {
 public:
  ReferenceOpsGuard() : previous_(active_) { active_ = true; }
  ~ReferenceOpsGuard() { active_ = previous_; }
  ReferenceOpsGuard(const ReferenceOpsGuard&) = delete;
  ReferenceOpsGuard& operator=(const ReferenceOpsGuard&) = delete;
  static bool active() { return active_; }

 private:
  bool previous_;
  static inline thread_local bool active_ = false;
};

// Throws a clear error when a custom backward runs with create_graph (a second derivative): their
// backward passes are written by hand and are not themselves differentiable.
void refuseDoubleBackward(const char* function);

}  // namespace flowpp
