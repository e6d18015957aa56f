#pragma once
// Dequantization in one dimension, the paper's first point in a picture (Ho et al. 2019, sec. 3.1).
// Discrete data x in {0 .. L-1}; a continuous density p(v) (a mixture of logistics) is fitted to
// v = x + u twice: with uniform noise u ~ U[0, 1) and with a learned q(u|x). Both maximise the
// bound E_q[log p(x+u) - log q(u|x)] <= log P(x) = log integral_x^{x+1} p(v) dv (eq. 11-12); the
// report gives the bound, the exact value and their gap for each, plus the curves to draw.
#include <functional>

#include "toy/ToyTypes.h"

namespace flowpp {

// Throws std::invalid_argument naming a bad option (levels 2-64, components 1-64, steps 1-100000,
// draws 1-4096).
void validateDequant1DOptions(const Dequant1DOptions& options);

// Fits both models. `progress(done, total)` is called every few steps; returning false cancels
// (the report then describes the models as far as they got, with cancelled = true).
Dequant1DReport fitDequant1D(const Dequant1DOptions& options, const std::function<bool(int, int)>& progress = {});

}  // namespace flowpp
