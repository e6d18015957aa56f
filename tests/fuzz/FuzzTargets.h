#pragma once
// The readers under fuzzing: each target takes a file's bytes and reads them the way the product
// does. A target may refuse an input (it throws one of the product's error types with a message);
// anything else — a crash, a sanitizer report, another exception, a hang, an attempt to allocate
// without bound — is a failure. Used by the libFuzzer programs (fuzz_main.cpp) and by the CTest
// replay (test_fuzz_replay.cpp).
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace flowpp::fuzz {

enum class Target { Idx, Cifar, Image, ImageFolder, Config, Checkpoint, Latents, Metrics, Archive };
enum class Outcome { Read, Refused };

const std::vector<Target>& allTargets();
std::string nameOf(Target t);

// Reads `bytes` with the target's reader. Refusals with the product's error types return Refused;
// std::bad_alloc and unexpected exception types propagate (failures).
Outcome runTarget(Target t, const std::string& bytes);

}  // namespace flowpp::fuzz
