#include "explore/Interpolation.h"

#include <chrono>
#include <cmath>
#include <stdexcept>

#include "explore/SampleGrid.h"
#include "util/Random.h"

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

InterpolationReport interpolate(FlowPlusPlus& model, const torch::Tensor& a8, const torch::Tensor& b8, int steps,
                                bool spherical) {
  if (steps < 2 || steps > 256) throw std::invalid_argument("interpolation frames " + std::to_string(steps) + " out of range (2 to 256)");
  torch::NoGradGuard noGrad;
  const auto start = std::chrono::steady_clock::now();
  auto xa = modelInput(model, a8), xb = modelInput(model, b8);
  auto path = interpolateLatents(model->encode(xa), model->encode(xb), steps, spherical);
  auto decoded = model->decode(path).x;
  InterpolationReport r;
  auto frames = decoded.cpu();
  for (int64_t i = 0; i < frames.size(0); ++i) r.frames.push_back(displayPixels(model, frames[i]));
  RandomScope scope(0xa1);
  auto bpd = model->bitsPerDim(model->logLikelihood(decoded).logp).to(torch::kDouble).cpu().contiguous();
  r.bitsPerDim.assign(bpd.data_ptr<double>(), bpd.data_ptr<double>() + bpd.numel());
  r.reconstructionErrorA = (frames[0] - xa[0]).abs().max().item<double>();
  r.reconstructionErrorB = (frames[frames.size(0) - 1] - xb[0]).abs().max().item<double>();
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return r;
}

}  // namespace flowpp
