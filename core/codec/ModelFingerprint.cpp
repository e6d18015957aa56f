#include "codec/ModelFingerprint.h"

#include <cstdio>

namespace flowpp::codec {

namespace {
struct Fnv1a {
  uint64_t h = 0xcbf29ce484222325ull;
  void add(const void* data, size_t n) {
    const auto* p = static_cast<const uint8_t*>(data);
    for (size_t i = 0; i < n; ++i) h = (h ^ p[i]) * 0x100000001b3ull;
  }
  void add(const std::string& s) {
    const uint64_t n = s.size();
    add(&n, sizeof n);
    add(s.data(), s.size());
  }
};
}  // namespace

uint64_t modelFingerprint(FlowPlusPlus& model) {
  Fnv1a f;
  f.add(model->config().toJson().dump());
  auto add = [&f](const std::string& name, const torch::Tensor& t) {
    f.add(name);
    for (auto size : t.sizes()) f.add(&size, sizeof size);
    const auto values = t.detach().to(torch::kCPU, torch::kFloat).contiguous();
    f.add(values.data_ptr<float>(), size_t(values.numel()) * sizeof(float));
  };
  for (const auto& p : model->named_parameters()) add(p.key(), p.value());
  for (const auto& b : model->named_buffers()) add(b.key(), b.value());
  return f.h;
}

std::string fingerprintText(uint64_t fingerprint) {
  char text[17];
  std::snprintf(text, sizeof text, "%016llx", static_cast<unsigned long long>(fingerprint));
  return text;
}

}  // namespace flowpp::codec
