// make_golden: writes tests/data/golden.json and the tiny models it refers to, from the independent
// float64 evaluation in PlainFlowpp (not from the model under test). Run it on purpose only: after a
// change of what the model computes (a new bundled model, a change of the paper's maths), never to
// make a failing test pass. From the source folder:
//   build/tools/make_golden .
// The test (tests/core/test_golden.cpp) only reads what this writes.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>

#include <nlohmann/json.hpp>

#include "data/Dataset.h"
#include "explore/SelfCheck.h"
#include "golden/PlainFlowpp.h"
#include "model/Checkpoint.h"
#include "util/Random.h"

using namespace flowpp;
using nlohmann::json;

namespace {

constexpr int64_t kTinyImages = 16, kBundledImages = 8;
const char* kFashionTest = "/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz";

// Noise stored at float32 precision, so the float32 model reads exactly the values the reference used.
torch::Tensor roundedNoise(at::IntArrayRef shape, uint64_t seed, bool gaussian) {
  auto gen = at::detail::createCPUGenerator(seed);
  auto n = gaussian ? torch::randn(shape, gen, torch::kDouble) : torch::rand(shape, gen, torch::kDouble);
  return n.to(torch::kFloat).to(torch::kDouble);
}

std::vector<double> values(const torch::Tensor& t) {
  auto c = t.to(torch::kDouble).contiguous().flatten();
  return {c.data_ptr<double>(), c.data_ptr<double>() + c.numel()};
}

// A tiny model of one kind, data-initialised and moved well away from identity, saved in float16.
struct TinyKind {
  std::string file;
  ModelConfig config;
};

std::vector<TinyKind> tinyKinds() {
  auto a = tinyCheckConfig(SplitType::Stripe, AttentionMode::Self, true, false);
  auto b = tinyCheckConfig(SplitType::Checkerboard, AttentionMode::Pointwise, false, true);
  b.flow.net.weightNorm = true;
  b.nBits = 5;
  auto c = tinyCheckConfig(SplitType::Channel, AttentionMode::None, true, true);
  a.name = "golden-tiny-a", b.name = "golden-tiny-b", c.name = "golden-tiny-c";
  a.description = "stripe + channel splits, self-attention, variational dequantization, mixture couplings with half the "
                  "components at the log-scale clamp";
  b.description = "checkerboard + channel splits, pointwise maxout, weight norm, 5 bits, uniform dequantization, affine couplings";
  c.description = "channel splits, no attention, variational dequantization with affine couplings";
  return {{"golden-tiny-a.fpp", a}, {"golden-tiny-b.fpp", b}, {"golden-tiny-c.fpp", c}};
}

void writeTinyModel(const TinyKind& kind, const std::string& path, uint64_t seed) {
  RandomScope rng(seed);
  auto model = buildModel(kind.config, seed);
  const auto& c = kind.config;
  model->dataInit((uniform({32, c.channels, c.height, c.width}) * std::ldexp(1.0, c.nBits)).floor());
  {
    torch::NoGradGuard g;
    for (auto& p : model->parameters()) p.add_(normal(p.sizes(), p.options()) * 0.05);
    // Push every other mixture component's log-scale below the -7 clamp, so the clamp is exercised.
    const int K = c.flow.components;
    for (auto& p : model->named_parameters())
      if (c.flow.coupling == "mixlogistic" && p.key().find("net.proj_out.bias") != std::string::npos && p.key().rfind("group", 0) == 0)
        for (int64_t ch = 0; ch < p.value().numel() / (2 + 3 * K); ++ch)
          for (int k = 0; k < K; k += 2) p.value()[ch * (2 + 3 * K) + 2 + 2 * K + k] = -9.0;
  }
  Checkpoint ck;
  ck.config = c;
  ck.weights = stateOf(*model);
  ck.meta = {{"made_by", "tools/golden/make_golden"}, {"seed", seed}};
  saveCheckpoint(path, ck, /*halfPrecision=*/true);
}

json tinyEntry(const TinyKind& kind, const std::string& dataDir, uint64_t seed) {
  const auto path = dataDir + "/" + kind.file;
  writeTinyModel(kind, path, seed);
  const auto ck = readCheckpoint(path);  // the float16-rounded weights the test will load
  const auto& c = ck.config;
  auto gen = at::detail::createCPUGenerator(seed + 1);
  auto x = torch::randint(0, int64_t(1) << c.nBits, {kTinyImages, c.channels, c.height, c.width}, gen, torch::kDouble);
  auto noise = roundedNoise(x.sizes(), seed + 2, c.dequantizer.variational());
  auto logp = golden::plainLogLikelihood(c, ck.weights, x, noise);
  return {{"model", "tests/data/" + kind.file}, {"shape", {kTinyImages, c.channels, c.height, c.width}},
          {"x", values(x)}, {"noise", values(noise)}, {"log_likelihood", values(logp)}};
}

json bundledEntry(const std::string& sourceDir) {
  const auto ck = readCheckpoint(sourceDir + "/models/fmnist-small.fpp");
  const auto& c = ck.config;
  auto x = quantize(loadDataset(kFashionTest, kBundledImages).images, c.nBits).to(torch::kDouble);
  auto noise = roundedNoise(x.sizes(), 20261205, c.dequantizer.variational());
  auto logp = golden::plainLogLikelihood(c, ck.weights, x, noise);
  auto bpd = -logp / (double(c.dims()) * std::log(2.0));
  return {{"model", "models/fmnist-small.fpp"}, {"data", "the first 8 images of t10k-images-idx3-ubyte.gz"},
          {"noise", values(noise)}, {"log_likelihood", values(logp)}, {"bits_per_dim", values(bpd)}};
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: make_golden SOURCE_DIR   (writes SOURCE_DIR/tests/data/golden.json and golden-tiny-*.fpp)\n";
    return 2;
  }
  try {
    const std::string source = argv[1], dataDir = source + "/tests/data";
    std::filesystem::create_directories(dataDir);
    json out = {{"about", "log p(x + u) - log q(u|x) in nats (and bits/dim) per image, for the given images and "
                          "dequantization noise, computed by tools/golden/PlainFlowpp: plain ATen ops in float64, "
                          "written apart from core's model. Written by tools/golden/make_golden; never by a test."}};
    uint64_t seed = 71;
    for (const auto& kind : tinyKinds()) out["tiny"][kind.config.name] = tinyEntry(kind, dataDir, seed += 10);
    out["bundled"] = bundledEntry(source);
    std::ofstream(dataDir + "/golden.json") << out.dump(1) << "\n";
    std::cout << "wrote " << dataDir << "/golden.json\n";
  } catch (const std::exception& e) {
    std::cerr << "make_golden: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
