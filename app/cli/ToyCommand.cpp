// flowpp toy: the playground's 2-D experiment headless (a mixture-of-logistics flow against an affine
// one with the same parameter count), writing numbered frames for lecture notes; and the 1-D
// dequantization experiment (--dequant-1d).
#include <unistd.h>

#include <filesystem>
#include <iostream>

#include "Common.h"
#include "ToyPlot.h"
#include "data/Pixels.h"
#include "toy/Dequant1D.h"
#include "toy/ToyLab.h"
#include "util/AtomicFile.h"

namespace flowpp::cli {

namespace {
struct ToyArgs {
  std::string target = "rings", targetImage, coupling = "both", split = "alternating", frames, out;
  int steps = 2000, frameEvery = 25, layer = -1, grid = 64;
  ToyLabOptions lab;
  bool dequant1d = false;
  Dequant1DOptions dequant;
};

ToyTarget parseTarget(const ToyArgs& a) {
  ToyTarget t;
  if (!a.targetImage.empty()) {
    // Brighter is denser; 64 x 64 cells over the square.
    auto grey = readImagePixels(a.targetImage, ImageShape{1, 64, 64});
    t.kind = ToyTargetKind::Painted, t.size = 64;
    t.weights.assign(grey.data.begin(), grey.data.end());
    return t;
  }
  auto kind = toyTargetFromName(a.target);
  if (!kind || *kind == ToyTargetKind::Painted)
    throw UsageError("unknown --target '" + a.target + "' (moons, rings, 8gaussians, checkerboard, spiral; or --target-image FILE)");
  t.kind = *kind;
  return t;
}

// A frames folder belongs to one experiment: refuse one that already holds frames.
void prepareFramesFolder(const std::string& dir) {
  namespace fs = std::filesystem;
  fs::create_directories(dir);
  for (const auto& e : fs::directory_iterator(dir))
    if (e.path().filename().string().rfind("frame-", 0) == 0)
      throw UsageError("--frames " + dir + " already holds frames (" + e.path().filename().string() + "): give an empty or new folder");
}

nlohmann::json flowJson(const ToyFlowView& v) {
  return {{"name", v.name}, {"parameters", v.parameters}, {"hidden", v.hidden}, {"test_nll", v.testNll},
          {"train_nll", v.nll.empty() ? nlohmann::json(nullptr) : nlohmann::json(v.nll.back())},
          {"mean_newton_iterations", v.meanNewtonIterations}};
}

// --out is checked before any training: its folder must exist and be writable.
void requireWritable(const std::string& path, const char* option) {
  if (path.empty()) return;
  namespace fs = std::filesystem;
  const auto dir = fs::path(path).parent_path().empty() ? fs::path(".") : fs::path(path).parent_path();
  std::error_code ec;
  if (fs::is_directory(path, ec)) throw UsageError(std::string(option) + " " + path + ": is a folder; give a file name");
  if (!fs::is_directory(dir, ec)) throw UsageError(std::string(option) + " " + path + ": the folder " + dir.string() + " does not exist");
  if (::access(dir.c_str(), W_OK) != 0) throw UsageError(std::string(option) + " " + path + ": the folder " + dir.string() + " is not writable");
}

// Every number the toy reports must be finite: a diverged flow is an error, not a null.
void requireFiniteResults(const ToyFrame& frame, ToyPlotWhich which) {
  if (which != ToyPlotWhich::Affine) requireFinite(frame.mixture.testNll, "the mixture flow's test NLL");
  if (which != ToyPlotWhich::Mixture) requireFinite(frame.affine.testNll, "the affine flow's test NLL");
}

void runToy(ToyArgs& a) {
  if (a.coupling != "both" && a.coupling != "mixlogistic" && a.coupling != "affine")
    throw UsageError("--coupling must be mixlogistic, affine or both, got '" + a.coupling + "'");
  if (a.split != "alternating" && a.split != "rotation") throw UsageError("--split must be alternating or rotation, got '" + a.split + "'");
  if (a.layer > a.lab.flow.layers)
    throw UsageError("--layer " + std::to_string(a.layer) + ": the flows have " + std::to_string(a.lab.flow.layers) +
                     " layers (0 = data, " + std::to_string(a.lab.flow.layers) + " = latent)");
  requireWritable(a.out, "--out");
  a.lab.target = parseTarget(a);
  a.lab.flow.split = a.split == "rotation" ? ToySplit::Rotation : ToySplit::Alternating;
  ToyLab lab(a.lab);  // validates the rest
  if (!a.frames.empty()) prepareFramesFolder(a.frames);
  const int layer = a.layer < 0 ? a.lab.flow.layers : a.layer;
  const ToyPlotWhich which = a.coupling == "both" ? ToyPlotWhich::Both : a.coupling == "affine" ? ToyPlotWhich::Affine : ToyPlotWhich::Mixture;
  installInterruptHandler();
  Progress progress("toy", a.steps);
  int written = 0;
  auto writeFrame = [&] {
    writeFileAtomically(a.frames + "/" + frameName(++written), toyFramePng(lab.frame(a.grid, layer), which));
  };
  const auto start = std::chrono::steady_clock::now();
  if (!a.frames.empty()) writeFrame();
  while (lab.step() < a.steps && !interrupted()) {
    lab.train(int(std::min<int64_t>(a.frameEvery, a.steps - lab.step())));
    if (!a.frames.empty()) writeFrame();
    progress.update(lab.step());
  }
  progress.finish();
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  auto last = lab.frame(a.grid, layer);
  requireFiniteResults(last, which);
  if (!a.out.empty()) writeFileAtomically(a.out, toyFramePng(last, which));
  nlohmann::json j{{"target", toString(a.lab.target.kind)}, {"steps", lab.step()}, {"seconds", seconds},
                   {"frames", written}, {"interrupted", lab.step() < a.steps}};
  if (which != ToyPlotWhich::Affine) j["mixture"] = flowJson(last.mixture);
  if (which != ToyPlotWhich::Mixture) j["affine"] = flowJson(last.affine);
  printJson(j);
  if (lab.step() < a.steps)
    throw InterruptedError("stopped at step " + std::to_string(lab.step()) + " of " + std::to_string(a.steps) +
                           "; the figures above and --out are of that step");
}

void runDequant1d(const ToyArgs& a) {
  requireWritable(a.out, "--out");
  installInterruptHandler();
  Progress progress("dequant-1d", 2 * a.dequant.steps);
  auto r = fitDequant1D(a.dequant, [&](int done, int) {
    progress.update(done);
    return !interrupted();
  });
  progress.finish();
  if (!a.out.empty()) writeFileAtomically(a.out, dequant1dPng(r));
  auto fit = [](const Dequant1DFit& f) {
    return nlohmann::json{{"bound_bits", f.boundBits}, {"exact_bits", f.exactBits}, {"gap_bits", f.gapBits()}};
  };
  for (const auto* f : {&r.uniform, &r.variational}) {
    requireFinite(f->boundBits, "the " + f->name + " fit's bound");
    requireFinite(f->exactBits, "the " + f->name + " fit's exact bits");
  }
  printJson({{"levels", a.dequant.levels}, {"data_entropy_bits", r.entropyBits}, {"uniform", fit(r.uniform)},
             {"variational", fit(r.variational)}, {"interrupted", r.cancelled}});
  if (r.cancelled) throw InterruptedError("the fits stopped early; the figures above are of where they were");
}
}  // namespace

void addToy(CLI::App& app) {
  auto* cmd = app.add_subcommand("toy", "Train a 2-D mixture-of-logistics flow beside an affine one (the paper's ablation) and draw frames");
  auto a = std::make_shared<ToyArgs>();
  cmd->add_option("--target", a->target, "moons, rings, 8gaussians, checkerboard or spiral")->default_val("rings");
  cmd->add_option("--target-image", a->targetImage, "A grey image as the target density (brighter = denser)");
  cmd->add_option("--coupling", a->coupling, "Which flow to draw and report: mixlogistic, affine or both (both always train, on the same batches)")
      ->default_val("both");
  cmd->add_option("--steps", a->steps, "Training steps")->default_val(2000)->check(integerIn(1, 10000000));
  cmd->add_option("-K,--components", a->lab.flow.components, "Logistics per mixture coupling")->default_val(8)->check(integerIn(1, 64));
  cmd->add_option("--layers", a->lab.flow.layers, "Couplings (each after an ActNorm)")->default_val(6)->check(integerIn(1, 32));
  cmd->add_option("--hidden", a->lab.flow.hidden, "Width of the mixture flow's MLP (the affine flow's is matched on parameters)")
      ->default_val(32)->check(integerIn(2, 1024));
  cmd->add_option("--split", a->split, "alternating (swap the coordinates) or rotation (a learned rotation before each coupling)")
      ->default_val("alternating");
  cmd->add_option("--lr", a->lab.learningRate, "Adam learning rate")->default_val(5e-3)->check(numberIn(1e-7, 1));
  cmd->add_option("--batch", a->lab.batch, "Points per step")->default_val(256)->check(integerIn(1, 65536));
  cmd->add_option("--seed", a->lab.seed, "Seed of the weights and the batches")->default_val(1)->check(integerIn(0, 1000000000000LL));
  cmd->add_option("--frames", a->frames, "Folder for numbered frames (frame-00001.png, ...)");
  cmd->add_option("--frame-every", a->frameEvery, "Steps between frames")->default_val(25)->check(integerIn(1, 1000000));
  cmd->add_option("--layer", a->layer, "Layer shown in the warped-grid view (0 = data, layers = latent; default: latent)")
      ->check(integerIn(0, 32));
  cmd->add_option("--grid", a->grid, "Density raster per side")->default_val(64)->check(integerIn(8, 512));
  cmd->add_option("--out", a->out, "PNG of the final frame (with --dequant-1d: the densities and the gap)");
  cmd->add_flag("--dequant-1d", a->dequant1d, "Instead: fit 1-D discrete data with uniform vs variational dequantization");
  cmd->add_option("--levels", a->dequant.levels, "--dequant-1d: discrete levels")->default_val(12)->check(integerIn(2, 64));
  cmd->callback([a, cmd] {
    if (a->dequant1d) {
      std::string ignored;
      for (const char* option : {"--target", "--target-image", "--coupling", "--components", "--layers", "--hidden", "--split", "--lr",
                                 "--batch", "--frames", "--frame-every", "--layer", "--grid"})
        if (cmd->count(option)) ignored += (ignored.empty() ? "" : ", ") + std::string(option);
      if (!ignored.empty())
        throw UsageError("--dequant-1d fits its own 1-D experiment and takes --levels, --steps, --seed and --out; it does "
                         "not use " + ignored);
      a->dequant.seed = a->lab.seed;
      if (cmd->count("--steps")) a->dequant.steps = a->steps;
      return runDequant1d(*a);
    }
    runToy(*a);
  });
}

}  // namespace flowpp::cli
