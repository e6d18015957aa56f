#include "explore/LatentDirections.h"

#include <cmath>
#include <stdexcept>

#include "explore/SampleGrid.h"

namespace flowpp {

namespace {
constexpr int64_t kBatch = 100;

// encode(x) of the first n images, flattened: [n, D] float64. Empty when cancelled.
torch::Tensor latentsOf(FlowPlusPlus& model, const torch::Tensor& images8, int64_t n, const ProgressFn& progress) {
  std::vector<torch::Tensor> parts;
  for (int64_t at = 0; at < n; at += kBatch) {
    const int64_t b = std::min(kBatch, n - at);
    std::vector<torch::Tensor> inputs;
    for (int64_t i = at; i < at + b; ++i) inputs.push_back(modelInput(model, images8[i]));
    parts.push_back(model->encode(torch::cat(inputs)).flatten(1).to(torch::kCPU, torch::kDouble));
    if (progress && !progress(at + b, n)) return {};
  }
  return torch::cat(parts);
}
}  // namespace

LatentDirectionSet computeLatentDirections(FlowPlusPlus& model, const torch::Tensor& images8, const std::vector<int64_t>& labels,
                                           const std::vector<std::string>& classes, int principal, int64_t maxImages,
                                           const ProgressFn& progress) {
  torch::NoGradGuard noGrad;
  if (images8.dim() != 4 || images8.size(0) < 2) throw std::invalid_argument("latent directions need at least two images");
  if (!labels.empty() && int64_t(labels.size()) < images8.size(0)) throw std::invalid_argument("one label per image");
  const int64_t n = std::min(images8.size(0), maxImages);
  LatentDirectionSet set;
  const auto z = latentsOf(model, images8, n, progress);
  if (!z.defined()) {
    set.cancelled = true;
    return set;
  }
  set.images = n;
  set.mean = z.mean(0);
  const auto latentShape = model->encode(modelInput(model, images8[0])).sizes().slice(1).vec();
  auto asLatent = [&](const torch::Tensor& flat) { return flat.to(torch::kFloat).view(latentShape).contiguous(); };

  if (!labels.empty() && !classes.empty()) {
    set.classes = classes;
    set.classMeans = torch::zeros({int64_t(classes.size()), z.size(1)}, torch::kDouble);
    std::vector<int64_t> counts(classes.size(), 0);
    for (int64_t i = 0; i < n; ++i) {
      const auto c = labels[size_t(i)];
      if (c < 0 || c >= int64_t(classes.size())) continue;
      set.classMeans[c] += z[i];
      ++counts[size_t(c)];
    }
    for (size_t c = 0; c < classes.size(); ++c) {
      if (counts[c] == 0) continue;
      set.classMeans[int64_t(c)] /= double(counts[c]);
      set.directions.push_back({"more " + classes[c], asLatent(set.classMeans[int64_t(c)] - set.mean)});
    }
  }
  // Principal directions: eigenvectors of the latents' covariance, largest variance first; one unit
  // is one standard deviation.
  const auto centred = z - set.mean;
  const auto covariance = centred.t().mm(centred) / double(n - 1);
  const auto [values, vectors] = torch::linalg::eigh(covariance, "L");
  const int64_t d = values.size(0);
  for (int k = 0; k < principal && k < d; ++k) {
    const double variance = values[d - 1 - k].item<double>();
    set.principalVariances.push_back(variance);
    set.directions.push_back({"principal direction " + std::to_string(k + 1), asLatent(vectors.select(1, d - 1 - k) * std::sqrt(std::max(variance, 0.0)))});
  }
  return set;
}

LatentDirection classToClass(const LatentDirectionSet& set, int a, int b) {
  const int64_t c = int64_t(set.classes.size());
  if (a < 0 || b < 0 || a >= c || b >= c) throw std::invalid_argument("no such class");
  const auto shape = set.directions.front().direction.sizes();
  return {set.classes[size_t(a)] + " → " + set.classes[size_t(b)], (set.classMeans[b] - set.classMeans[a]).to(torch::kFloat).view(shape).contiguous()};
}

Pixels8 moveAlong(FlowPlusPlus& model, const torch::Tensor& image8, const torch::Tensor& direction, double amount) {
  torch::NoGradGuard noGrad;
  if (!std::isfinite(amount)) throw std::invalid_argument("the amount to move must be a finite number");
  const auto x = modelInput(model, image8);
  auto z = model->encode(x);
  if (direction.sizes() != z.sizes().slice(1)) throw std::invalid_argument("a direction of another model's latent shape");
  if (amount != 0) z = z + amount * direction.to(z.device(), z.scalar_type()).unsqueeze(0);
  return displayPixels(model, model->decode(z).x.cpu()[0]);
}

}  // namespace flowpp
