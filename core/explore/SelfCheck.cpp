#include "explore/SelfCheck.h"

#include "model/FlowPlusPlus.h"
#include "nn/ReferenceOps.h"
#include "util/Random.h"

namespace flowpp {

double bruteForceLogDet(const std::function<torch::Tensor(const torch::Tensor&)>& f, torch::Tensor x) {
  ReferenceOpsGuard plainOps;  // differentiate ATen's own ops, not the fused functions' hand-written backward
  x = x.detach().clone().set_requires_grad(true);
  auto y = f(x).flatten();
  auto jac = torch::zeros({y.numel(), x.numel()}, x.options().requires_grad(false));
  for (int64_t i = 0; i < y.numel(); ++i) {
    auto g = torch::autograd::grad({y[i]}, {x}, {}, /*retain_graph=*/true, false, /*allow_unused=*/true)[0];
    if (g.defined()) jac[i] = g.flatten();
  }
  return std::get<1>(torch::linalg_slogdet(jac.cpu().to(torch::kDouble))).item<double>();
}

ModelConfig tinyCheckConfig(SplitType split, AttentionMode attention, bool variational, bool affine) {
  ModelConfig c;
  c.name = "tiny";
  c.channels = 2, c.height = 4, c.width = 4;
  c.flow.coupling = affine ? "affine" : "mixlogistic";
  c.flow.components = 3;
  c.flow.net = ConditionerOptions{8, 1, 2, 0, attention, 0.0, false};
  StageConfig first{false, split, 2, {}}, squeeze{true, SplitType::Stripe, 0, {}}, channel{false, SplitType::Channel, 1, {}},
      last{false, split, 1, {}};
  c.flow.stages = {first, squeeze, channel, last};
  c.dequantizer.type = variational ? "variational" : "uniform";
  c.dequantizer.coupling = affine ? "affine" : "mixlogistic";
  c.dequantizer.components = 3, c.dequantizer.couplings = 2, c.dequantizer.contextBlocks = 1;
  c.dequantizer.net = ConditionerOptions{8, 1, 2, 4, attention, 0.0, false};
  return c;
}

std::vector<SelfCheckResult> runSelfChecks(const torch::Device& device) {
  std::vector<SelfCheckResult> results;
  for (auto split : {SplitType::Stripe, SplitType::Checkerboard, SplitType::Channel})
    for (bool affine : {false, true}) {
      const auto attention = affine ? AttentionMode::None : AttentionMode::Self;
      RandomScope scope(5);
      FlowPlusPlus model = buildModel(tinyCheckConfig(split, attention, !affine, affine), 5);
      model->to(device);
      auto x = (uniform({8, 2, 4, 4}, torch::TensorOptions(device)) * 256).floor();
      model->dataInit(x);
      {
        torch::NoGradGuard g;
        for (auto& p : model->parameters()) p.add_(normal(p.sizes(), p.options()) * 0.02);
      }
      model->eval();
      SelfCheckResult r;
      r.name = toString(split) + (affine ? ", affine, uniform dequantization" : ", mixlogistic, variational");
      {
        torch::NoGradGuard g;
        auto y = x + uniform(x.sizes(), x.options());
        InverseContext inv;
        auto back = model->flowInverse(model->flowForward(y).out, inv).out;
        r.roundTripError = (back - y).abs().max().item<double>();
        r.exactReconstruction = torch::equal(model->decode(model->encode(x)).x, x);
      }
      model->to(torch::kDouble);
      auto y1 = (x.narrow(0, 0, 1) + 0.3).to(torch::kDouble);
      const double brute = bruteForceLogDet([&](const torch::Tensor& t) { return model->flowForward(t).out; }, y1);
      r.logdetError = std::abs(brute - model->flowForward(y1).logdet.sum().item<double>());
      r.passed = r.roundTripError <= 1e-4 * 256 && r.logdetError < 1e-8 && r.exactReconstruction;
      results.push_back(r);
    }
  return results;
}

}  // namespace flowpp
