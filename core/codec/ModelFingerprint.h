#pragma once
// A 64-bit fingerprint of a model's config and weights (FNV-1a over the config's JSON text and every
// parameter's and buffer's name, shape and float32 bytes): what a .fppz file names as the model it
// needs. Two models with one fingerprint are the same model, for all a decoder can tell.
#include <cstdint>
#include <string>

#include "model/FlowPlusPlus.h"

namespace flowpp::codec {

uint64_t modelFingerprint(FlowPlusPlus& model);
std::string fingerprintText(uint64_t fingerprint);  // 16 hex digits

}  // namespace flowpp::codec
