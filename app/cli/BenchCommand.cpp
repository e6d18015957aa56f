// flowpp bench: where speed is measured (never in timed tests). Training and evaluation throughput,
// sampling latency with Newton and with bisection, peak memory, FLOPs per image and the achieved
// fraction of a matrix-multiply peak measured in the same run.
#include <sys/resource.h>

#include "Common.h"
#include "nn/FlopCounter.h"
#include "train/Adam.h"

namespace flowpp::cli {

namespace {
using Clock = std::chrono::steady_clock;

void sync(const torch::Device& d) {
  if (d.is_cuda()) torch::cuda::synchronize();
}

template <typename F>
double timeIt(const torch::Device& d, int reps, F&& f) {
  f();  // warm-up
  sync(d);
  const auto start = Clock::now();
  for (int i = 0; i < reps; ++i) f();
  sync(d);
  return std::chrono::duration<double>(Clock::now() - start).count() / reps;
}

double matmulPeakGflops(const torch::Device& d) {
  const int64_t n = d.is_cuda() ? 8192 : 1024;
  auto a = torch::randn({n, n}, torch::TensorOptions(d)), b = torch::randn({n, n}, torch::TensorOptions(d));
  const double secs = timeIt(d, d.is_cuda() ? 20 : 5, [&] { auto c = torch::matmul(a, b); });
  return 2.0 * n * n * n / secs / 1e9;
}
}  // namespace

void addBench(CLI::App& app) {
  auto* cmd = app.add_subcommand("bench", "Measure training/evaluation speed, sampling latency, memory and FLOPs (JSON)");
  struct Args {
    std::string model, data, device = "auto";
    int64_t batch = 32;
    int steps = 5;
  };
  auto a = std::make_shared<Args>();
  cmd->add_option("--model", a->model, "Checkpoint, run folder or config JSON")->required();
  cmd->add_option("--batch-size", a->batch, "Batch for training and evaluation")->default_val(32);
  cmd->add_option("--steps", a->steps, "Timed repetitions of each measurement")->default_val(5);
  cmd->add_option("--data", a->data, "Images to use (default: random pixels)");
  cmd->add_option("--device", a->device, "cpu, cuda or auto")->default_val("auto");
  cmd->callback([a] {
    auto device = parseDevice(a->device);
    std::optional<ImageDataset> data;
    if (!a->data.empty()) data = loadDataset(a->data, a->batch);
    auto loaded = loadModel(a->model, 0);
    auto& model = loaded.model;
    const auto& c = model->config();
    model->to(device);
    torch::manual_seed(0);
    auto x = data ? quantize(data->images, c.nBits)
                  : torch::randint(0, 1 << c.nBits, {a->batch, c.channels, c.height, c.width}).to(torch::kFloat);
    x = x.to(device);
    if (loaded.fresh) model->dataInit(x);

    Adam adam(*model);
    model->train();
    const double trainSecs = timeIt(device, a->steps, [&] {
      auto loss = model->bitsPerDim(model->logLikelihood(x).logp).mean();
      for (auto& p : model->parameters()) p.mutable_grad() = torch::Tensor();
      loss.backward();
      clipGradNorm(*model, 1.0);
      adam.step(1e-5);
    });
    model->eval();
    torch::NoGradGuard noGrad;
    const double evalSecs = timeIt(device, a->steps, [&] { model->logLikelihood(x); });
    double flops = 0;
    {
      FlopCounter counter;
      model->logLikelihood(x.narrow(0, 0, 1));
      flops = counter.flops();
    }
    DecodeResult newton, bisect;
    const double newtonSecs = timeIt(device, a->steps, [&] { newton = model->sample(16, 1.0, 0); });
    const double bisectSecs =
        timeIt(device, std::max(1, a->steps / 2), [&] { bisect = model->sample(16, 1.0, 0, {InverseMethod::Bisection}); });
    const double peak = matmulPeakGflops(device);
    struct rusage usage {};
    getrusage(RUSAGE_SELF, &usage);
    const double evalImagesPerSec = a->batch / evalSecs;
    nlohmann::json out = {
        {"model", loaded.path},
        {"config", c.name},
        {"parameters", model->parameterCount()},
        {"device", device.str()},
        {"threads", torch::get_num_threads()},
        {"batch_size", a->batch},
        {"train_images_per_sec", a->batch / trainSecs},
        {"eval_images_per_sec", evalImagesPerSec},
        {"sample16_latency_ms", newtonSecs * 1e3},
        {"sample16_newton_mean_iterations", newton.meanIterations},
        {"sample16_bisection_latency_ms", bisectSecs * 1e3},
        {"sample16_bisection_mean_iterations", bisect.meanIterations},
        {"forward_gflops_per_image", flops / 1e9},
        {"matmul_peak_gflops", peak},
        {"eval_achieved_gflops", flops * evalImagesPerSec / 1e9},
        {"eval_fraction_of_matmul_peak", flops * evalImagesPerSec / 1e9 / peak},
        {"peak_rss_mib", usage.ru_maxrss / 1024.0},
    };
    printJson(out);
  });
}

}  // namespace flowpp::cli
