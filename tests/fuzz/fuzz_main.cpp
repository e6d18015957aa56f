// A libFuzzer program for one reader (FLOWPP_FUZZ_TARGET names it), built with clang when
// -DFLOWPP_FUZZ=ON: e.g. build-fuzz/tests/fuzz/fuzz_checkpoint -max_total_time=600 corpus/
#include <cstdint>
#include <new>
#include <string>

#include "FuzzTargets.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  flowpp::fuzz::runTarget(flowpp::fuzz::Target::FLOWPP_FUZZ_TARGET, std::string(reinterpret_cast<const char*>(data), size));
  return 0;
}
