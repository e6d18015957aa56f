#pragma once
// CRC-32 (zlib) over strings and tensors, for the checksums that checkpoint and latent files carry.
// It detects accidental corruption (a flipped byte, a truncated or hand-edited file), not tampering.
#include <cstdint>
#include <map>
#include <string>

#include <torch/torch.h>

namespace flowpp {

class Checksum {
 public:
  Checksum& add(const std::string& text);
  // The tensor's name, dtype, shape and bytes (as stored: contiguous, on the CPU).
  Checksum& add(const std::string& name, const torch::Tensor& t);
  Checksum& add(const std::map<std::string, torch::Tensor>& tensors);
  std::string hex() const;  // "crc32:1a2b3c4d"

 private:
  void bytes(const void* data, size_t n);
  uint32_t crc_ = 0;
};

}  // namespace flowpp
