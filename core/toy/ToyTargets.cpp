#include "toy/ToyTargets.h"

#include <cmath>
#include <stdexcept>

#include "util/Random.h"

namespace flowpp {

namespace {
const double kPi = std::acos(-1.0);

torch::Tensor twoMoons(int64_t n) {
  auto t = uniform({n}, torch::kDouble) * kPi;
  auto upper = uniform({n}, torch::kDouble) < 0.5;
  auto x = torch::where(upper, torch::cos(t), 1 - torch::cos(t)) - 0.5;
  auto y = torch::where(upper, torch::sin(t), 0.5 - torch::sin(t)) - 0.25;
  return torch::stack({x, y}, 1) * 2.4 + normal({n, 2}, torch::kDouble) * 0.12;
}

torch::Tensor rings(int64_t n) {
  // Three concentric rings, each holding mass in proportion to its length.
  auto pick = uniform({n}, torch::kDouble) * 6;
  auto radius = torch::where(pick < 1, torch::full({n}, 1.0, torch::kDouble),
                             torch::where(pick < 3, torch::full({n}, 2.0, torch::kDouble), torch::full({n}, 3.0, torch::kDouble)));
  auto angle = uniform({n}, torch::kDouble) * 2 * kPi;
  auto r = radius + normal({n}, torch::kDouble) * 0.1;
  return torch::stack({r * torch::cos(angle), r * torch::sin(angle)}, 1);
}

torch::Tensor eightGaussians(int64_t n) {
  auto k = (uniform({n}, torch::kDouble) * 8).floor().clamp_max(7);
  auto angle = k * (kPi / 4);
  auto centres = torch::stack({torch::cos(angle), torch::sin(angle)}, 1) * 2.8;
  return centres + normal({n, 2}, torch::kDouble) * 0.3;
}

torch::Tensor checkerboard(int64_t n) {
  // The dark squares of an 8 x 8 board of unit squares over the whole square.
  auto col = (uniform({n}, torch::kDouble) * 8).floor().clamp_max(7);
  auto row = (uniform({n}, torch::kDouble) * 4).floor().clamp_max(3) * 2 + torch::remainder(col, 2);
  auto x = col - 4 + uniform({n}, torch::kDouble), y = row - 4 + uniform({n}, torch::kDouble);
  return torch::stack({x, y}, 1);
}

torch::Tensor spiral(int64_t n) {
  // Two interleaved arms, r growing linearly with the angle.
  auto t = torch::sqrt(uniform({n}, torch::kDouble)) * 3 * kPi;
  auto arm = (uniform({n}, torch::kDouble) < 0.5).to(torch::kDouble) * kPi;
  auto r = t / (3 * kPi) * 3.6;
  auto xy = torch::stack({r * torch::cos(t + arm), r * torch::sin(t + arm)}, 1);
  return xy + normal({n, 2}, torch::kDouble) * 0.1;
}

torch::Tensor painted(const ToyTarget& t, int64_t n) {
  auto w = torch::tensor(t.weights, torch::kDouble);
  auto cells = torch::multinomial(w, n, true, RandomScope::generatorFor(torch::kCPU));
  const double cell = 2 * kToyExtent / t.size;
  auto col = torch::remainder(cells, t.size).to(torch::kDouble), row = torch::div(cells, t.size, "floor").to(torch::kDouble);
  auto x = -kToyExtent + (col + uniform({n}, torch::kDouble)) * cell;
  auto y = kToyExtent - (row + uniform({n}, torch::kDouble)) * cell;
  return torch::stack({x, y}, 1);
}
}  // namespace

void validateToyTarget(const ToyTarget& t) {
  if (t.kind != ToyTargetKind::Painted) return;
  if (t.size < 2 || t.size > 1024 || t.weights.size() != size_t(t.size) * t.size)
    throw std::invalid_argument("a painted target needs a square grid of 2 to 1024 cells a side, got " +
                                std::to_string(t.weights.size()) + " weights for size " + std::to_string(t.size));
  double total = 0;
  for (double w : t.weights) {
    if (!std::isfinite(w) || w < 0) throw std::invalid_argument("a painted target's weights must be finite and non-negative");
    total += w;
  }
  if (total <= 0) throw std::invalid_argument("the painted target is empty: paint some density first");
}

torch::Tensor sampleToyTarget(const ToyTarget& target, int64_t n) {
  validateToyTarget(target);
  torch::Tensor xy;
  switch (target.kind) {
    case ToyTargetKind::TwoMoons: xy = twoMoons(n); break;
    case ToyTargetKind::Rings: xy = rings(n); break;
    case ToyTargetKind::EightGaussians: xy = eightGaussians(n); break;
    case ToyTargetKind::Checkerboard: xy = checkerboard(n); break;
    case ToyTargetKind::Spiral: xy = spiral(n); break;
    case ToyTargetKind::Painted: xy = painted(target, n); break;
  }
  return xy.clamp(-kToyExtent, kToyExtent).to(torch::kFloat);
}

std::vector<double> toyTargetDensity(const ToyTarget& target, int grid, uint64_t seed) {
  RandomScope scope(seed);
  const int64_t n = 400000;
  auto xy = sampleToyTarget(target, n).to(torch::kDouble);
  auto col = ((xy.select(1, 0) + kToyExtent) / (2 * kToyExtent) * grid).floor().clamp(0, grid - 1).to(torch::kLong);
  auto row = ((kToyExtent - xy.select(1, 1)) / (2 * kToyExtent) * grid).floor().clamp(0, grid - 1).to(torch::kLong);
  auto counts = torch::bincount(row * grid + col, {}, int64_t(grid) * grid).to(torch::kDouble);
  const double cellArea = std::pow(2 * kToyExtent / grid, 2);
  auto density = (counts / (double(n) * cellArea)).contiguous();
  return {density.data_ptr<double>(), density.data_ptr<double>() + density.numel()};
}

torch::Tensor toyGridPoints(int grid, double extent) {
  auto centres = (torch::arange(grid, torch::kDouble) + 0.5) / grid * (2 * extent) - extent;
  auto ys = centres.flip(0);  // row 0 at the top
  auto mesh = torch::meshgrid({ys, centres}, "ij");
  return torch::stack({mesh[1].flatten(), mesh[0].flatten()}, 1).to(torch::kFloat);
}

std::string toString(ToyTargetKind kind) {
  switch (kind) {
    case ToyTargetKind::TwoMoons: return "moons";
    case ToyTargetKind::Rings: return "rings";
    case ToyTargetKind::EightGaussians: return "8gaussians";
    case ToyTargetKind::Checkerboard: return "checkerboard";
    case ToyTargetKind::Spiral: return "spiral";
    case ToyTargetKind::Painted: return "painted";
  }
  return "?";
}

std::optional<ToyTargetKind> toyTargetFromName(const std::string& name) {
  for (auto k : builtInToyTargets())
    if (toString(k) == name) return k;
  if (name == "painted") return ToyTargetKind::Painted;
  return std::nullopt;
}

const std::vector<ToyTargetKind>& builtInToyTargets() {
  static const std::vector<ToyTargetKind> all = {ToyTargetKind::TwoMoons, ToyTargetKind::Rings, ToyTargetKind::EightGaussians,
                                                 ToyTargetKind::Checkerboard, ToyTargetKind::Spiral};
  return all;
}

}  // namespace flowpp
