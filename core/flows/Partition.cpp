#include "flows/Partition.h"

namespace flowpp {

std::array<int64_t, 3> halfShape(SplitType type, int64_t c, int64_t h, int64_t w) {
  if (type == SplitType::Channel) return {c / 2, h, w};
  return {c, h, w / 2};
}

namespace {
// [1,1,H,1] mask of odd rows, for the checkerboard's alternating phase.
torch::Tensor oddRows(const torch::Tensor& x) {
  return (torch::arange(x.size(2), x.options().dtype(torch::kLong)) % 2 == 1).view({1, 1, -1, 1});
}
}  // namespace

std::pair<torch::Tensor, torch::Tensor> splitHalves(const torch::Tensor& x, SplitType type) {
  if (type == SplitType::Channel) {
    auto halves = x.chunk(2, 1);
    return {halves[0], halves[1]};
  }
  auto pairs = x.reshape({x.size(0), x.size(1), x.size(2), x.size(3) / 2, 2});
  auto even = pairs.select(4, 0), odd = pairs.select(4, 1);
  if (type == SplitType::Stripe) return {even, odd};
  auto rowOdd = oddRows(x);
  return {torch::where(rowOdd, odd, even), torch::where(rowOdd, even, odd)};
}

torch::Tensor mergeHalves(const torch::Tensor& a, const torch::Tensor& b, SplitType type) {
  if (type == SplitType::Channel) return torch::cat({a, b}, 1);
  torch::Tensor even = a, odd = b;
  if (type == SplitType::Checkerboard) {
    auto rowOdd = oddRows(a);
    even = torch::where(rowOdd, b, a);
    odd = torch::where(rowOdd, a, b);
  }
  return torch::stack({even, odd}, 4).view({a.size(0), a.size(1), a.size(2), a.size(3) * 2});
}

torch::Tensor spaceToDepth(const torch::Tensor& x) {
  const auto b = x.size(0), c = x.size(1), h = x.size(2), w = x.size(3);
  return x.reshape({b, c, h / 2, 2, w / 2, 2}).permute({0, 1, 3, 5, 2, 4}).reshape({b, c * 4, h / 2, w / 2});
}

torch::Tensor depthToSpace(const torch::Tensor& x) {
  const auto b = x.size(0), c = x.size(1) / 4, h = x.size(2), w = x.size(3);
  return x.reshape({b, c, 2, 2, h, w}).permute({0, 1, 4, 2, 5, 3}).reshape({b, c, h * 2, w * 2});
}

}  // namespace flowpp
