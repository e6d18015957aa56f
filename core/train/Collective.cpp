#include "train/Collective.h"

#include <cstring>

namespace flowpp {

void allReduceGradients(torch::nn::Module& module, Collective& collective) {
  constexpr int64_t kBucket = 1 << 24;  // numbers per bucket: the copies stay small
  auto params = module.parameters();
  for (size_t first = 0; first < params.size();) {
    size_t last = first;
    int64_t count = 0;
    std::vector<torch::Tensor> grads;
    while (last < params.size() && (grads.empty() || count + params[last].numel() <= kBucket)) {
      auto& p = params[last++];
      grads.push_back((p.grad().defined() ? p.grad() : torch::zeros_like(p)).flatten());
      count += grads.back().numel();
    }
    std::vector<torch::Tensor> flat = {torch::cat(grads)};
    collective.allReduceSum(flat);
    int64_t offset = 0;
    for (size_t i = first; i < last; ++i) {
      const auto n = params[i].numel();
      params[i].mutable_grad() = flat[0].narrow(0, offset, n).view_as(params[i]).clone();
      offset += n;
    }
    first = last;
  }
}

std::vector<bool> anyRankTrue(Collective* collective, const std::vector<bool>& flags) {
  if (!collective) return flags;
  auto counts = torch::zeros({int64_t(flags.size())}, torch::kDouble);
  for (size_t i = 0; i < flags.size(); ++i) counts[i] = flags[i] ? 1.0 : 0.0;
  std::vector<torch::Tensor> t = {counts};
  collective->allReduceSum(t);
  std::vector<bool> any(flags.size());
  for (size_t i = 0; i < flags.size(); ++i) any[i] = t[0][i].item<double>() > 0;
  return any;
}

std::string broadcastText(Collective* collective, const std::string& text) {
  if (!collective) return text;
  std::vector<torch::Tensor> size = {torch::tensor({int64_t(text.size())}, torch::kLong)};
  collective->broadcast(size, 0);
  auto bytes = torch::zeros({size[0].item<int64_t>()}, torch::kUInt8);
  if (collective->rank() == 0) std::memcpy(bytes.data_ptr<uint8_t>(), text.data(), text.size());
  std::vector<torch::Tensor> payload = {bytes};
  collective->broadcast(payload, 0);
  auto out = payload[0].contiguous();
  return std::string(reinterpret_cast<const char*>(out.data_ptr<uint8_t>()), out.numel());
}

}  // namespace flowpp
