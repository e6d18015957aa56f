#pragma once
// Where time goes: torch's own (legacy CPU) profiler around a piece of work, summarised as the
// operations with the most self time (time not spent in the operations they call). Used by
// `flowpp bench --profile`. Operators run inside parallel regions count on the thread that called them.
#include <string>
#include <vector>

namespace flowpp {

struct OpTime {
  std::string name;
  double selfMs = 0, totalMs = 0;
  int64_t calls = 0;
};

class OpProfile {
 public:
  OpProfile();   // starts recording on this thread (and the threads torch launches from it)
  ~OpProfile();  // stops if stop() was not called
  OpProfile(const OpProfile&) = delete;
  OpProfile& operator=(const OpProfile&) = delete;
  // Stops recording; the `top` operations by self time, most first.
  std::vector<OpTime> stop(size_t top = 15);

 private:
  bool running_ = true;
};

}  // namespace flowpp
