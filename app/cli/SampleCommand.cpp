// flowpp sample: N samples at temperature T from a seed, to a PNG grid and/or single PNGs.
#include <cmath>
#include <filesystem>

#include "Common.h"
#include "data/ImageIo.h"

namespace flowpp::cli {

void addSample(CLI::App& app) {
  auto* cmd = app.add_subcommand("sample", "Draw samples z = T*eps, x = f^-1(z), and write them as PNG");
  struct Args {
    std::string model, out, dir, device = "auto";
    int64_t n = 16, columns = 0;
    double temperature = 1.0;
    uint64_t seed = 0;
    bool bisection = false;
  };
  auto a = std::make_shared<Args>();
  cmd->add_option("--model", a->model, "Checkpoint or run folder")->required();
  cmd->add_option("-n", a->n, "Number of samples")->default_val(16)->check(integerIn(1, 4096));
  cmd->add_option("--temperature,-t", a->temperature, "Scales the Gaussian latent: z = T*eps (1 = exact samples)")
      ->default_val(1.0)->check(numberIn(0.0, 10.0));
  cmd->add_option("--seed", a->seed, "Seed of eps (same seed + same T = same images)")->default_val(0)->check(integerIn(0, 1000000000000LL));
  cmd->add_option("--out", a->out, "PNG file for the grid");
  cmd->add_option("--out-dir", a->dir, "Folder for one PNG per sample");
  cmd->add_option("--columns", a->columns, "Grid columns (default: square)")->check(integerIn(1, 4096));
  cmd->add_flag("--bisection", a->bisection, "Invert the couplings by plain bisection (the reference)");
  cmd->add_option("--device", a->device, "cpu, cuda or auto")->default_val("auto");
  cmd->callback([a] {
    if (a->out.empty() && a->dir.empty()) throw UsageError("sample: give --out FILE.png and/or --out-dir DIR");
    auto loaded = openModel(a->model, a->seed, a->device);
    if (loaded.fresh) throw UsageError("sample: --model must be a trained checkpoint or run folder");
    InverseOptions inv;
    if (a->bisection) inv.method = InverseMethod::Bisection;
    const auto start = std::chrono::steady_clock::now();
    auto r = loaded.model->sample(a->n, a->temperature, a->seed, inv);
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    auto images = toDisplay8(r.x, loaded.model->config().nBits).cpu();
    if (!a->out.empty()) {
      auto cols = a->columns > 0 ? a->columns : static_cast<int64_t>(std::ceil(std::sqrt(double(a->n))));
      writePng(a->out, makeGrid(images, cols));
    }
    if (!a->dir.empty()) {
      std::filesystem::create_directories(a->dir);
      for (int64_t i = 0; i < a->n; ++i) {
        char name[32];
        std::snprintf(name, sizeof name, "sample-%05lld.png", static_cast<long long>(i));
        writePng((std::filesystem::path(a->dir) / name).string(), images[i]);
      }
    }
    printJson({{"samples", a->n}, {"temperature", a->temperature}, {"seed", a->seed}, {"seconds", secs},
               {"mean_inverse_iterations", r.meanIterations}, {"converged", r.converged}});
  });
}

}  // namespace flowpp::cli
