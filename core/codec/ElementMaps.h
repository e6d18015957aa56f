#pragma once
// The elementwise maps of Flow++ in scalar float64, for coding: each gives f(x), the slope f'(x) and
// the inverse f^-1(y) from the same operations on the encoder's and the decoder's side, so both
// compute the same numbers bit for bit (this file is compiled without floating-point contraction,
// and uses no vector code whose results depend on the instruction set).
#include <cstdint>

namespace flowpp::codec {

struct MapValue {
  double y;      // f(x)
  double slope;  // f'(x) > 0
};

// Preprocessing: pixel values y in [0, 2^bits) to logit(0.05 + 0.9 y / 2^bits).
MapValue logitForward(double y, double levels);
double logitInverse(double v, double levels);

// The dequantizer's last step: u = sigmoid(v).
MapValue sigmoidForward(double v);
double sigmoidInverse(double u);  // u in (0, 1)

// y = x * exp(logScale) + shift (ActNorm, affine couplings, triangular steps of a 1x1 convolution).
MapValue affineForward(double x, double logScale, double shift);
double affineInverse(double y, double logScale, double shift);

// Flow++'s coupling (paper eq. 7): y = exp(a) logit(F(x)) + b with F a mixture of K logistics.
// Parameters as the conditioner gives them: a already tanh'ed, log-scales already clamped.
struct Mixture {
  double a = 0, b = 0;
  int K = 0;
  const double *logits = nullptr, *means = nullptr, *logScales = nullptr;  // K each
};
MapValue mixtureForward(double x, const Mixture& m);
double mixtureInverse(double y, const Mixture& m);

}  // namespace flowpp::codec
