#include "Explanations.h"

#include <QObject>

namespace flowpp::ui::explain {

namespace {
QString tr(const char* s) { return QObject::tr(s); }
}  // namespace

QString samples() {
  return tr("A flow is an invertible map z = f(x) from images to Gaussian noise. Sampling runs it backwards: "
            "draw ε ~ N(0, I), set z = T·ε and decode x = f<sup>−1</sup>(z). T is the temperature: T = 1 draws "
            "from the model itself, T &lt; 1 trades variety for cleaner images. Each mixture-of-logistics coupling has no "
            "closed-form inverse, so every pixel's CDF is inverted by Newton's method (the iteration count is shown). "
            "<b>Try:</b> drag T from 0 to 1.2; click a sample to take it to the other tabs.");
}

QString interpolation() {
  return tr("Two images are encoded, z<sub>a</sub> = f(a) and z<sub>b</sub> = f(b), and the straight (or spherical) path "
            "between the latents is decoded back. Because f is invertible the ends are exact reconstructions (error 0). "
            "<b>Try:</b> spherical vs linear paths between two very different images.");
}

QString likelihood() {
  return tr("The change of variables, eq. (1) of the paper: log p(x) = log N(f(x)) + Σ<sub>i</sub> log|det ∂f<sub>i</sub>/∂f<sub>i−1</sub>|, "
            "plus the dequantization term −log q(u|x) of eq. (12). Every term is element-wise here, so the image's bits "
            "can be split over its pixels: the heatmap shows where the model spends bits, the breakdown which layer spends "
            "or saves them. bits/dim = −log<sub>2</sub> p / (C·H·W). <b>Try:</b> draw an unusual image and watch its bits rise.");
}

QString dequantization() {
  return tr("Pixels are integers; a density needs continuous data. Flow++ adds noise u ∈ [0,1)<sup>D</sup> drawn from a "
            "learned flow q(u|x) instead of the uniform distribution, and trains the bound of eq. (12): "
            "E[log p(x+u) − log q(u|x)] ≤ log P(x). Shown: draws of u for one image, their per-pixel mean and spread, "
            "their histogram against the uniform density, and how the importance-weighted bound tightens with K. "
            "<b>Try:</b> the 1-D version in the Playground tab, where the gap can be computed exactly.");
}

QString layers() {
  return tr("A flow is a stack of invertible layers f = f<sub>L</sub> ∘ … ∘ f<sub>1</sub>, and eq. (1) of the paper splits "
            "log p(x) into one term per layer: log N(z) for the latent plus log|det ∂f<sub>i</sub>/∂f<sub>i−1</sub>| for each "
            "layer, and −log q(u|x) for the dequantization. Each row is one layer: its output as image tiles (one per "
            "channel; after a squeeze an image has 4× the channels at half the size) and its bits per pixel — positive "
            "where the layer spends bits, negative where it saves them; the rows add up to the image's bits. "
            "<b>Try:</b> the inverse pass of a sample, and see which stages need the most Newton iterations.");
}

QString training() {
  return tr("Maximum likelihood on dequantized data with Adam, linear warm-up, an exponential moving average of the weights "
            "and gradient clipping, as in the paper. Curves are bits/dim (lower is better) of the training batches and of the "
            "test set. The ablation presets switch off one Flow++ ingredient at a time (uniform dequantization, affine "
            "couplings, no attention) to reproduce the paper's Table 2 on a small scale.");
}

QString playground() {
  return tr("Two flows learn the same 2-D target from the same batches. Both stack ActNorm + coupling layers; the left one "
            "uses Flow++'s coupling, eq. (17): x ↦ σ<sup>−1</sup>(MixLogCDF(x; π, μ, s))·exp(a) + b, the right one the affine "
            "coupling of eq. (13): x ↦ x·exp(a) + b, with the same number of parameters. The density is exactly eq. (1): "
            "log p(x) = log N(f(x)) + Σ log|det|. The layer views show the data (blue) and samples (orange) after each layer; "
            "the grey lines are the plane's grid, bent by the same layers. <b>Try:</b> Rings or Checkerboard, press "
            "Train (Space), and drag the layer slider; set K = 1 and watch the mixture flow lose its edge.");
}

QString dequant1d() {
  return tr("Discrete data x ∈ {0 … L−1} (grey bars) fitted by a continuous density p(v) twice: with uniform noise u, "
            "eqs. (4)–(6), and with learned noise q(u|x), eqs. (8)–(12). Both maximise a lower bound on log P(x) = "
            "log ∫<sub>x</sub><sup>x+1</sup> p(v) dv, eq. (2). Here that integral is exact, so the gap — the KL divergence "
            "from q(u|x) to p(u|x) — is shown. Uniform noise forces p to be flat within each bin; learned noise lets p be "
            "smooth and moves the noise instead. <b>Try:</b> fewer components, or more levels.");
}

QString compression() {
  return tr("Bits per dimension are a code length: with bits-back coding the model compresses images losslessly into "
            "files of almost exactly that size. The coder keeps one stack of bits (an ANS coder). For each image it first "
            "<i>takes</i> bits off the stack to draw the dequantization noise u ~ q(u|x) (those bits come back: the decoder "
            "recovers them), then runs every layer of the flow, each costing its log-determinant, and finally pushes the "
            "latent z under N(0, I). The net is −log₂ p(x+u) + log₂ q(u|x): the bound the model was trained on. The "
            "<i>coded</i> map charges each step's bits to the pixel whose value was coded; the <i>model</i> map is the "
            "Likelihood tab's heatmap for the same noise. They agree to a few hundredths of a bit: bits per pixel are "
            "bytes in the file. An image "
            "coded alone has no earlier bits to borrow, so it pays about 34 bits/dim of initial bits; a one-image file "
            "then keeps the classical codec's file instead. <b>Try:</b> Compress the data set, and compare its bits/dim with "
            "JPEG XL's 3.26 for all 1,000 first test images in one file.");
}

QString directions() {
  return tr("A flow's latent space is a plain Gaussian space in which one can move an image: encode it, z = f(x), "
            "add a direction, decode f<sup>−1</sup>(z + a·d). Directions come from the data: a class's mean latent minus "
            "the data's mean (more of that class), one class's mean to another's, or the principal directions of the "
            "latents (the directions in which the data varies most; one unit is one standard deviation). At a = 0 the "
            "image comes back exactly, since the flow is invertible. Glow's demo does the same with face attributes. "
            "<b>Try:</b> Class → class from Sandal to Sneaker, and drag the amount from 0 to 1.");
}

}  // namespace flowpp::ui::explain
