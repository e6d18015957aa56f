#pragma once
// The 2-D playground and the 1-D dequantization lab: options and plain results, torch-free (the
// studio's panels and the CLI's `flowpp toy` read these). The computations are in ToyLab and
// Dequant1D.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace flowpp {

// Every 2-D target lives in the square [-kToyExtent, kToyExtent]^2.
constexpr double kToyExtent = 4.0;

enum class ToyTargetKind { TwoMoons, Rings, EightGaussians, Checkerboard, Spiral, Painted };

std::string toString(ToyTargetKind kind);
std::optional<ToyTargetKind> toyTargetFromName(const std::string& name);
const std::vector<ToyTargetKind>& builtInToyTargets();  // all but Painted

struct ToyTarget {
  ToyTargetKind kind = ToyTargetKind::Rings;
  // Painted only: a size x size grid of non-negative weights over the square, row 0 at the top
  // (y = +kToyExtent). Samples fall uniformly inside cells chosen in proportion to their weight.
  int size = 0;
  std::vector<double> weights;
};

// How the two coordinates take turns: swap after each coupling, or a learned rotation before it.
enum class ToySplit { Alternating, Rotation };

struct ToyFlowOptions {
  int layers = 6;       // couplings, each after an ActNorm and a split
  int hidden = 32;      // width of the conditioner MLP (two hidden layers)
  int components = 8;   // K logistics per mixture coupling; 0 = affine coupling
  ToySplit split = ToySplit::Alternating;
};

struct ToyLabOptions {
  ToyTarget target;
  ToyFlowOptions flow;     // the mixture flow; the affine flow gets the width that matches its parameters
  double learningRate = 5e-3;
  int batch = 256;
  uint64_t seed = 1;
};

struct ToyPoints {
  std::vector<float> xy;  // x0, y0, x1, y1, ...
  size_t size() const { return xy.size() / 2; }
};

// One flow's view at the current step.
struct ToyFlowView {
  std::string name;              // "mixture of logistics (K=8)" / "affine"
  int64_t parameters = 0;
  int hidden = 0;
  std::vector<double> density;   // [grid * grid] p(x), row 0 at the top
  ToyPoints samples;             // drawn from the model
  // The layer view at `layer` (0 = data, layers = latent): data points and the plane's grid lines
  // pushed through the first `layer` layers.
  ToyPoints layerPoints;
  std::vector<ToyPoints> gridLines;
  // Model samples at the same place on their way back: z pulled through the last layers - layer.
  ToyPoints layerSamples;
  std::vector<double> nll;       // training NLL (nats) per logged step
  double testNll = 0;            // on a fixed held-out batch, nats
  double meanNewtonIterations = 0;  // per mixture inversion, while sampling (0 for affine)
};

struct ToyFrame {
  int64_t step = 0;
  int grid = 0;
  std::vector<double> targetDensity;  // [grid * grid], histogram estimate of the target's density
  ToyPoints targetSamples;
  std::vector<int64_t> nllSteps;      // the steps at which nll was logged (shared by both flows)
  int layer = 0, layers = 0;
  ToyFlowView mixture, affine;
};

// ---- 1-D dequantization -------------------------------------------------------------------

struct Dequant1DOptions {
  int levels = 12;       // discrete values 0 .. levels-1
  int components = 12;   // logistics in the continuous density model p(v)
  int steps = 1200;
  int drawsPerLevel = 32;  // dequantization draws per level per step
  uint64_t seed = 1;
};

struct Dequant1DFit {
  std::string name;                 // "uniform" / "variational"
  std::vector<double> density;      // p(v) at Dequant1DReport::v
  std::vector<double> levelMass;    // P_model(x) = integral of p over [x, x+1)
  double boundBits = 0;             // -E[log p(x+u) - log q(u|x)], bits per value (the training objective)
  double exactBits = 0;             // -E[log P_model(x)], bits per value
  double gapBits() const { return boundBits - exactBits; }
  // Variational only: q(u|x) at Dequant1DReport::u for each level.
  std::vector<std::vector<double>> noiseDensity;
};

struct Dequant1DReport {
  std::vector<double> dataProbs;    // P_data(x), x = 0 .. levels-1
  double entropyBits = 0;           // H(P_data): the best any model can do
  std::vector<double> v, u;         // grids: v over [0, levels], u over (0, 1)
  Dequant1DFit uniform, variational;
  bool cancelled = false;
};

}  // namespace flowpp
