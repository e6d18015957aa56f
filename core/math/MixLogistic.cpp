#include "math/MixLogistic.h"

namespace flowpp {

MixLogCdf mixLogisticLogCdf(const torch::Tensor& x, const MixLogisticParams& p) {
  auto logPi = torch::log_softmax(p.logits, -1);
  auto z = (x.unsqueeze(-1) - p.means) * torch::exp(-p.logScales);
  // log sigma(z) = -softplus(-z); log(1 - sigma(z)) = -softplus(z). softplus is written out exactly
  // (ATen's returns z itself above 20, an error of up to 2e-9).
  auto tail = torch::log1p(torch::exp(-z.abs()));
  auto spPos = torch::clamp_min(z, 0) + tail;
  auto spNeg = torch::clamp_min(-z, 0) + tail;
  MixLogCdf out;
  out.logF = torch::logsumexp(logPi - spNeg, -1);
  out.log1mF = torch::logsumexp(logPi - spPos, -1);
  // logistic log-density: -z - log s - 2 softplus(-z)
  out.logPdf = torch::logsumexp(logPi - z - p.logScales - 2.0 * spNeg, -1);
  return out;
}

namespace {

struct Bracket {
  torch::Tensor lo, hi;
};

Bracket quantileBracket(const torch::Tensor& target, const MixLogisticParams& p) {
  auto xk = p.means + torch::exp(p.logScales) * target.unsqueeze(-1);
  // Widen by a relative hair so that rounding cannot put the root just outside.
  auto lo = std::get<0>(xk.min(-1));
  auto hi = std::get<0>(xk.max(-1));
  auto pad = 1e-12 * (1.0 + torch::maximum(lo.abs(), hi.abs()));
  return {lo - pad, hi + pad};
}

torch::Tensor logitOf(const torch::Tensor& x, const MixLogisticParams& p, torch::Tensor* slope) {
  auto c = mixLogisticLogCdf(x, p);
  if (slope) *slope = torch::exp(c.logPdf - c.logF - c.log1mF);  // d logit(F) / dx
  return c.logF - c.log1mF;
}

}  // namespace

InverseResult mixLogisticInverse(const torch::Tensor& targetLogit, const MixLogisticParams& p,
                                 const InverseOptions& options) {
  torch::NoGradGuard noGrad;
  const auto outType = targetLogit.scalar_type();
  auto target = targetLogit.to(torch::kDouble);
  MixLogisticParams pd{p.logits.to(torch::kDouble), p.means.to(torch::kDouble),
                       p.logScales.to(torch::kDouble)};
  auto [lo, hi] = quantileBracket(target, pd);
  InverseResult result;

  if (options.method == InverseMethod::Bisection) {
    torch::Tensor x;
    for (result.iterations = 0; result.iterations < options.maxIterations; ++result.iterations) {
      x = 0.5 * (lo + hi);
      if (((hi - lo) / (1.0 + x.abs())).max().item<double>() <= options.tolerance) {
        result.converged = true;
        break;
      }
      auto above = logitOf(x, pd, nullptr) > target;
      hi = torch::where(above, x, hi);
      lo = torch::where(above, lo, x);
    }
    result.x = (0.5 * (lo + hi)).to(outType);
    return result;
  }

  // Safeguarded Newton: a Newton step that leaves the current bracket (or is not finite) is
  // replaced by the bracket's midpoint, and the bracket shrinks around the root every step.
  // Starting point: the pi-weighted mean of the component quantiles.
  auto xk = pd.means + torch::exp(pd.logScales) * target.unsqueeze(-1);
  auto x = (torch::softmax(pd.logits, -1) * xk).sum(-1);
  auto done = torch::zeros_like(x, torch::kBool);
  auto previousStep = hi - lo;
  for (result.iterations = 1; result.iterations <= options.maxIterations; ++result.iterations) {
    torch::Tensor slope;
    auto g = logitOf(x, pd, &slope) - target;
    auto above = g > 0;
    hi = torch::where(above, torch::minimum(hi, x), hi);
    lo = torch::where(above, lo, torch::maximum(lo, x));
    auto newton = x - g / slope;
    // Newton is kept only when it stays in the (closed) bracket and at least halves the step before
    // last (as in Numerical Recipes' rtsafe): that rules out the 2-cycles Newton falls into on the
    // S-shaped logit(F) of a multimodal mixture.
    auto useNewton = (newton >= lo) & (newton <= hi) & torch::isfinite(newton) &
                     ((newton - x).abs() <= 0.5 * previousStep.abs());
    auto next = torch::where(useNewton, newton, 0.5 * (lo + hi));
    previousStep = torch::where(done, previousStep, next - x);
    // Converged: a step below tolerance, a bracket narrower than it, or a residual at the level of
    // float64 rounding (where a tiny slope would turn rounding noise into steps above tolerance).
    auto scale = options.tolerance * (1.0 + next.abs());
    done = done | ((next - x).abs() <= scale) | ((hi - lo) <= scale) | (g.abs() <= 1e-14 * (1.0 + target.abs()));
    x = torch::where(done, x, next);  // converged elements are frozen
    if (done.all().item<bool>()) {
      result.converged = true;
      break;
    }
  }
  result.iterations = std::min(result.iterations, options.maxIterations);
  result.x = x.to(outType);
  return result;
}

}  // namespace flowpp
