// flowpp bench: where speed is measured (never in timed tests). Training and evaluation throughput,
// sampling latency with Newton and with bisection, peak memory, FLOPs per image, the achieved
// fraction of the machine's own fp32 multiply-add peak (and the BLAS's matrix product), the threads of every layer (torch, BLAS), and with
// --profile the operations that take the time.
#include <sys/resource.h>
#include <unistd.h>

#include <ATen/Parallel.h>

#include <filesystem>
#include <iostream>

#include "Common.h"
#include "kernels/CpuKernels.h"
#include "kernels/FmaPeak.h"
#include "Launcher.h"
#include "train/Distributed.h"
#include "util/AtomicFile.h"
#include "math/MixLogisticFused.h"
#include "nn/ConvLayout.h"
#include "nn/ConvPrecision.h"
#include "nn/FlopCounter.h"
#include "nn/FusedAttention.h"
#include "model/Footprint.h"
#include "train/Adam.h"
#include "train/TrainStep.h"
#include "util/OpProfile.h"
#include "util/Random.h"
#include "util/Runtime.h"

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

double peakRssMib() {
  struct rusage usage {};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss / 1024.0;
}

// The best the machine does with all its cores: one large product with the BLAS library's own
// threads, or one product per torch thread side by side (the way torch runs BLAS inside its pool).
double matmulPeakGflops(const torch::Device& d) {
  if (d.is_cuda()) {
    const int64_t n = 8192;
    auto a = torch::randn({n, n}, torch::TensorOptions(d)), b = torch::randn({n, n}, torch::TensorOptions(d));
    return 2.0 * n * n * n / timeIt(d, 20, [&] { torch::matmul(a, b); }) / 1e9;
  }
  const int64_t n = 1024, threads = at::get_num_threads();
  RandomScope scope(1);
  auto a = normal({threads, n, n}), b = normal({threads, n, n}), c = torch::empty({threads, n, n});
  setBlasThreads(int(threads));
  const double one = timeIt(d, 5, [&] {
    auto out = c[0];
    torch::mm_out(out, a[0], b[0]);
  });
  setBlasThreads(1);
  const double each = timeIt(d, 5, [&] {
    at::parallel_for(0, threads, 1, [&](int64_t begin, int64_t end) {
      for (int64_t t = begin; t < end; ++t) {
        auto out = c[t];
        torch::mm_out(out, a[t], b[t]);
      }
    });
  });
  return std::max(2.0 * n * n * n / one, 2.0 * n * n * n * threads / each) / 1e9;
}

nlohmann::json profileOf(const std::string& what, const std::function<void()>& work) {
  OpProfile profile;
  work();
  nlohmann::json ops = nlohmann::json::array();
  std::cerr << "\nprofile: " << what << " (top operations by self time)\n";
  for (const auto& op : profile.stop(12)) {
    char line[200];
    std::snprintf(line, sizeof line, "  %-44s %9.1f ms self %9.1f ms total %7lld calls\n", op.name.substr(0, 44).c_str(),
                  op.selfMs, op.totalMs, static_cast<long long>(op.calls));
    std::cerr << line;
    ops.push_back({{"op", op.name}, {"self_ms", op.selfMs}, {"total_ms", op.totalMs}, {"calls", op.calls}});
  }
  return ops;
}

struct BenchArgs {
  std::string model, data, device = "auto";
  int64_t batch = 32;
  int steps = 5, threads = 0, nproc = 1;
  bool profile = false, resize = false;
};

// The images a measurement runs on: the first `count` of --data (all of them when it has fewer: every
// figure is then per image actually timed), or random pixels. Refuses a batch whose training step
// would not fit in memory (`processes` of them side by side), before anything big is allocated.
torch::Tensor benchImages(const BenchArgs& a, const ModelConfig& c, int64_t count, int64_t first, int processes) {
  requireMemory(processes * (estimateFootprint(c, count).trainingBytes + kProcessOverheadBytes),
                "bench training at batch " + std::to_string(count) +
                    (processes > 1 ? " in each of " + std::to_string(processes) + " processes" : ""));
  if (a.data.empty()) return (uniform({count, c.channels, c.height, c.width}) * double(1 << c.nBits)).floor();
  auto data = openData(a.data, first + count, c, DataRole::Train, a.resize);
  if (data.size() <= first) throw DataError(a.data + ": has " + std::to_string(data.size()) + " images, too few for this process's share");
  return quantize(data.images.narrow(0, first, std::min<int64_t>(count, data.size() - first)), c.nBits);
}

// Data-parallel training steps on this process's share of the global batch, with the gradient
// all-reduce timed on its own: what `bench --nproc N` runs in each worker (and, for comparison,
// in one process without any all-reduce). The step is the trainer's own (train/TrainStep).
nlohmann::json distributedTrainBench(const BenchArgs& a, const DistributedEnv& env) {
  auto device = parseDevice(a.device);
  std::unique_ptr<Collective> collective;
  if (env.distributed()) collective = connectProcessGroup(env, std::chrono::seconds(120), device);
  auto loaded = loadModel(a.model, 0);
  auto& model = loaded.model;
  const auto& c = model->config();
  model->to(device);
  RandomScope scope(mixSeed({0, uint64_t(env.rank)}));
  const int64_t share = std::max<int64_t>(1, a.batch / env.worldSize);
  auto x = benchImages(a, c, share, share * env.rank, 1).to(device);
  const int64_t global = x.size(0) * env.worldSize;
  if (loaded.fresh) model->dataInit(x);
  Adam adam(*model);
  model->train();
  double reduceSeconds = 0;
  auto step = [&] {
    reduceSeconds += computeStepGradient(model, StepInputs{x, {}, global, c.training.gradClip}, collective.get()).allReduceSeconds;
    adam.step(1e-5);
  };
  step();
  reduceSeconds = 0;
  const auto start = Clock::now();
  for (int i = 0; i < a.steps; ++i) step();
  const double stepSeconds = std::chrono::duration<double>(Clock::now() - start).count() / a.steps;
  const double reduce = reduceSeconds / a.steps;
  return {{"processes", env.worldSize}, {"global_batch", global}, {"threads_per_process", at::get_num_threads()},
          {"train_images_per_sec", global / stepSeconds}, {"step_ms", stepSeconds * 1e3},
          {"allreduce_ms_per_step", reduce * 1e3}, {"allreduce_share_of_step", reduce / stepSeconds},
          {"gradient_mib", 4.0 * model->parameterCount() / (1024 * 1024)}};
}

// One process against N: each worker measures its steps, rank 0 reports through a file.
void runDistributed(const BenchArgs& a) {
  const auto env = DistributedEnv::fromEnvironment();
  applyThreads(a.threads);
  if (env.distributed()) {
    auto result = distributedTrainBench(a, env);
    if (env.rank == 0) writeFileAtomically(std::getenv("FLOWPP_BENCH_OUT"), result.dump());
    return;
  }
  requireProcessCount(a.nproc);
  {  // the data and the memory of all the workers checked here, before any is started
    const auto config = loadModel(a.model, 0).model->config();
    benchImages(a, config, std::max<int64_t>(1, a.batch / a.nproc), 0, a.nproc);
  }
  const auto single = distributedTrainBench(a, DistributedEnv{});
  const auto out = std::filesystem::temp_directory_path() / ("flowpp-bench-" + std::to_string(::getpid()) + ".json");
  const auto launched = launchLocalWorkers(a.nproc, {{"FLOWPP_BENCH_OUT", out.string()}});
  if (launched.exitCode != 0) throw ExitError(launched.exitCode, launched.message);
  auto many = nlohmann::json::parse(readFile(out.string()));
  std::filesystem::remove(out);
  printJson({{"model", a.model}, {"device", parseDevice(a.device).str()}, {"one_process", single}, {"processes", many}});
}

void runBench(const BenchArgs& a) {
  applyThreads(a.threads);
  const auto runtime = runtimeInfo();
  auto device = parseDevice(a.device);
  auto loaded = loadModel(a.model, 0);
  auto& model = loaded.model;
  const auto& c = model->config();
  model->to(device);
  RandomScope scope(0);
  auto x = benchImages(a, c, a.batch, 0, 1).to(device);
  const int64_t batch = x.size(0);  // every figure below is per image of this batch
  if (loaded.fresh) model->dataInit(x);

  Adam adam(*model);
  model->train();
  auto trainStep = [&] {
    computeStepGradient(model, StepInputs{x, {}, batch, c.training.gradClip});
    adam.step(1e-5);
  };
  const double trainSecs = timeIt(device, a.steps, trainStep);
  const double trainRss = peakRssMib();
  nlohmann::json profile;
  if (a.profile) profile["train_step"] = profileOf("one training step", trainStep);
  model->eval();
  torch::NoGradGuard noGrad;
  const double evalSecs = timeIt(device, a.steps, [&] { model->logLikelihood(x); });
  if (a.profile) profile["eval"] = profileOf("one evaluation pass", [&] { model->logLikelihood(x); });
  double flops = 0;
  {
    FlopCounter counter;
    model->logLikelihood(x.narrow(0, 0, 1));
    flops = counter.flops();
  }
  double sampleFlops = 0, sampleExps = 0;
  {
    FlopCounter counter;
    model->sample(16, 1.0, 0);
    sampleFlops = counter.flops(), sampleExps = counter.exps();
  }
  DecodeResult newton, bisect;
  const double newtonSecs = timeIt(device, a.steps, [&] { newton = model->sample(16, 1.0, 0); });
  if (a.profile) profile["sample16"] = profileOf("16 samples", [&] { model->sample(16, 1.0, 0); });
  const double bisectSecs =
      timeIt(device, std::max(1, a.steps / 2), [&] { bisect = model->sample(16, 1.0, 0, {InverseMethod::Bisection}); });
  // Issue 26 item 4, measured rather than shipped: the same 16 samples and the same evaluation with
  // bf16 conditioner convolutions (nn/ConvPrecision), where the CPU has them — their times, the share
  // of sample pixels that change, and the change of the batch's bits/dim (same dequantization noise).
  nlohmann::json bf16 = nullptr;
  if (device.is_cpu() && bf16ConvsAvailable()) {
    Bf16ConvScope precision(true);
    DecodeResult reduced;
    const double sampleMs = timeIt(device, a.steps, [&] { reduced = model->sample(16, 1.0, 0); }) * 1e3;
    const double evalBf16Secs = timeIt(device, a.steps, [&] { model->logLikelihood(x); });
    const auto bpdWith = [&](bool on) {
      Bf16ConvScope scope(on);
      RandomScope noise(7);
      return model->bitsPerDim(model->logLikelihood(x).logp).mean().item<double>();
    };
    bf16 = {{"sample16_latency_ms", sampleMs},
            {"sample16_pixels_changed", reduced.x.ne(newton.x).to(torch::kDouble).mean().item<double>()},
            {"eval_images_per_sec", batch / evalBf16Secs},
            {"eval_bpd_change", bpdWith(true) - bpdWith(false)}};
  }
  // The fractions are of the machine's own fp32 multiply-add peak (kernels/FmaPeak: our loops, every
  // instruction set the CPU has); the BLAS's matrix product is reported beside it, since an
  // environment variable can pin the BLAS to older kernels. On a GPU, the matrix product is the peak.
  const auto fmaPeaks = device.is_cpu() ? kernels::measureFmaPeaks() : std::vector<kernels::FmaPeak>{};
  const double blasPeak = matmulPeakGflops(device);
  const double peak = device.is_cpu() ? kernels::bestFp32Peak(fmaPeaks) : blasPeak;
  nlohmann::json fmaJson = nlohmann::json::object();
  for (const auto& f : fmaPeaks) fmaJson[f.isa] = f.gflops;
  const double expPeak = device.is_cpu() ? attentionExpPeakGexp() : 0.0;
  const double sampleFloorMs = (sampleFlops / 1e9 / peak + (expPeak > 0 ? sampleExps / 1e9 / expPeak : 0.0)) * 1e3;
  const double evalImagesPerSec = batch / evalSecs;
  nlohmann::json out = {
      {"model", loaded.path},
      {"config", c.name},
      {"parameters", model->parameterCount()},
      {"device", device.str()},
      {"threads", {{"torch_intra_op", runtime.torchThreads}, {"torch_inter_op", runtime.interopThreads},
                   {"blas", runtime.blasThreads}, {"blas_library", runtime.blas}, {"mixture_kernels", mixLogisticKernelIsa()}}},
      {"allocator", runtime.allocator},
      {"batch_size", batch},
      {"requested_batch_size", a.batch},
      {"train_images_per_sec", batch / trainSecs},
      {"train_peak_rss_mib", trainRss},
      {"eval_images_per_sec", evalImagesPerSec},
      {"sample16_latency_ms", newtonSecs * 1e3},
      {"sample16_newton_mean_iterations", newton.meanIterations},
      {"sample16_bisection_latency_ms", bisectSecs * 1e3},
      {"bf16_conditioners", bf16},
      // Convolution and attention FLOPs of 16 samples and the time they need at the fp32 peak;
      // with the attention weights' exponentials at the kernel's exp peak, a floor for the latency
      // on this machine (the rest of the elementwise work comes on top).
      {"sample16_gflops", sampleFlops / 1e9},
      {"sample16_fp32_floor_ms", sampleFlops / 1e9 / peak * 1e3},
      {"sample16_attention_gexp", sampleExps / 1e9},
      {"sample16_floor_ms", sampleFloorMs},
      {"sample16_bisection_mean_iterations", bisect.meanIterations},
      {"forward_gflops_per_image", flops / 1e9},
      {"fma_peak_gflops", fmaJson},
      {"fp32_peak_gflops", peak},
      {"blas_matmul_gflops", blasPeak},
      {"kernels", kernels::cpuKernels().isa},
      {"conditioner_layout", useChannelsLast(x.to(torch::kFloat)) ? "channels-last" : "nchw"},
      {"exp_peak_gexp_per_sec", expPeak},
      // A convolution's backward is two products the size of its forward: a training step is at
      // least 3x the forward FLOPs, so at the fp32 peak no more than this many images/s.
      {"train_fp32_ceiling_images_per_sec", peak / (3.0 * flops / 1e9)},
      {"train_fraction_of_fp32_peak", 3.0 * flops * batch / trainSecs / 1e9 / peak},
      {"eval_achieved_gflops", flops * evalImagesPerSec / 1e9},
      {"eval_fraction_of_fp32_peak", flops * evalImagesPerSec / 1e9 / peak},
      {"peak_rss_mib", peakRssMib()},
  };
  if (a.profile) out["profile"] = profile;
  printJson(out);
}
}  // namespace

void addBench(CLI::App& app) {
  auto* cmd = app.add_subcommand("bench", "Measure training/evaluation speed, sampling latency, memory and FLOPs (JSON)");
  auto a = std::make_shared<BenchArgs>();
  cmd->add_option("--model", a->model, "Checkpoint, run folder or config JSON")->required();
  cmd->add_option("--batch-size", a->batch, "Batch for training and evaluation")->default_val(32)->check(integerIn(1, 4096));
  cmd->add_option("--steps", a->steps, "Timed repetitions of each measurement")->default_val(5)->check(integerIn(1, 1000));
  cmd->add_option("--data", a->data, "Images to use (default: random pixels)");
  cmd->add_option("--device", a->device, "cpu, cuda or auto")->default_val("auto");
  cmd->add_option("--threads", a->threads, "CPU threads (default: all cores)")->check(integerIn(1, 4096));
  addResizeFlag(cmd, a->resize);
  cmd->add_flag("--profile", a->profile, "Also print the top operations by self time of a training step, an evaluation and sampling");
  cmd->add_option("--nproc", a->nproc, "Compare data-parallel training in N local processes (c10d Gloo) with one process: "
                                       "images/s and the all-reduce time per step")->default_val(1)->check(integerIn(1, 256));
  cmd->callback([a] {
    if (a->nproc > 1 || DistributedEnv::fromEnvironment().distributed()) return runDistributed(*a);
    runBench(*a);
  });
}

}  // namespace flowpp::cli
