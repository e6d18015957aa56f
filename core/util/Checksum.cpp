#include "util/Checksum.h"

#include <zlib.h>

#include <cstdio>

namespace flowpp {

void Checksum::bytes(const void* data, size_t n) {
  const auto* p = static_cast<const Bytef*>(data);
  while (n > 0) {  // zlib takes uInt lengths
    const uInt chunk = static_cast<uInt>(std::min<size_t>(n, 1u << 30));
    crc_ = static_cast<uint32_t>(crc32(crc_, p, chunk));
    p += chunk, n -= chunk;
  }
}

Checksum& Checksum::add(const std::string& text) {
  const uint64_t n = text.size();
  bytes(&n, sizeof n);  // length first, so that "ab"+"c" and "a"+"bc" differ
  bytes(text.data(), text.size());
  return *this;
}

Checksum& Checksum::add(const std::string& name, const torch::Tensor& t) {
  add(name);
  add(std::string(c10::toString(t.scalar_type())));
  for (auto s : t.sizes()) bytes(&s, sizeof s);
  auto c = t.cpu().contiguous();
  bytes(c.data_ptr(), c.nbytes());
  return *this;
}

Checksum& Checksum::add(const std::map<std::string, torch::Tensor>& tensors) {
  const uint64_t n = tensors.size();
  bytes(&n, sizeof n);
  for (const auto& [name, t] : tensors) add(name, t);
  return *this;
}

std::string Checksum::hex() const {
  char s[24];
  std::snprintf(s, sizeof s, "crc32:%08x", crc_);
  return s;
}

}  // namespace flowpp
