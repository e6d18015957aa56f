#include "explore/Interpolation.h"

#include <cmath>

namespace flowpp {

torch::Tensor interpolateLatents(const torch::Tensor& za, const torch::Tensor& zb, int64_t steps, bool spherical) {
  TORCH_CHECK(steps >= 2, "interpolation needs at least 2 steps");
  TORCH_CHECK(za.sizes() == zb.sizes(), "latents of different shapes");
  auto a = za.flatten().to(torch::kDouble), b = zb.flatten().to(torch::kDouble);
  const double cosine = (a.dot(b) / (a.norm() * b.norm() + 1e-30)).item<double>();
  const double omega = std::acos(std::clamp(cosine, -1.0, 1.0));
  std::vector<torch::Tensor> path;
  for (int64_t i = 0; i < steps; ++i) {
    const double t = static_cast<double>(i) / (steps - 1);
    torch::Tensor z;
    if (i == 0) z = a;
    else if (i == steps - 1) z = b;
    else if (spherical && std::sin(omega) > 1e-6)
      z = (std::sin((1 - t) * omega) * a + std::sin(t * omega) * b) / std::sin(omega);
    else
      z = (1 - t) * a + t * b;
    path.push_back(z.view(za.sizes()).to(za.scalar_type()));
  }
  return torch::cat(path, 0);
}

}  // namespace flowpp
