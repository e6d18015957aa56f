#include "explore/DequantStats.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "data/ImageIo.h"
#include "explore/SampleGrid.h"
#include "model/VariationalDequantizer.h"
#include "util/Random.h"

namespace flowpp {

namespace {
constexpr int kBins = 50;
constexpr int kChunk = 32;  // draws per forward pass

// IW bits/dim for each K from the first kMax log-ratios, cut into nested groups (see
// importanceWeightedCurve in explore/Evaluation.h for why the curve never rises).
void iwCurve(FlowPlusPlus& model, const torch::Tensor& ratios, DequantReport& r) {
  for (int k : {1, 4, 16, 64})
    if (k <= ratios.size(0)) r.ks.push_back(k);
  const int kMax = r.ks.back();
  for (int k : r.ks) {
    auto groups = ratios.narrow(0, 0, kMax).view({kMax / k, k});
    r.iwBpd.push_back(model->bitsPerDim((torch::logsumexp(groups, 1) - std::log(double(k))).mean()).item<double>());
  }
  r.elboBpd = r.iwBpd.front();
}
}  // namespace

DequantReport dequantStats(FlowPlusPlus& model, const torch::Tensor& image8, int draws, int shown, uint64_t seed,
                           const ProgressFn& progress) {
  if (draws < 1 || draws > 65536) throw std::invalid_argument("dequantization draws must be 1 to 65536, got " + std::to_string(draws));
  torch::NoGradGuard noGrad;
  RandomScope scope(seed);
  auto x = modelInput(model, image8).to(model->device());
  DequantReport r;
  r.variational = model->variationalDequantization();
  r.width = int(x.size(3)), r.height = int(x.size(2));
  torch::Tensor sum, sumSq, hist = torch::zeros({kBins}, torch::kDouble);
  std::vector<torch::Tensor> ratios;
  double negLogQ = 0, logP = 0;
  r.minU = 1, r.maxU = 0;
  int done = 0;
  while (done < draws) {
    const int n = std::min(kChunk, draws - done);
    auto batch = x.expand({n, -1, -1, -1}).contiguous();
    auto dq = model->dequantize(batch);
    auto lik = model->flowForward(batch + dq.u);
    // logdet is in image layout, the latent in the squeezed one: sum each per sample.
    auto logp = (sumPerSample(lik.logdet) + sumPerSample(standardNormalLogProb(lik.out))).to(torch::kDouble).cpu();
    auto logq = sumPerSample(dq.logq).to(torch::kDouble).cpu();
    ratios.push_back(logp - logq);
    negLogQ -= logq.sum().item<double>(), logP += logp.sum().item<double>();
    auto u = dq.u.to(torch::kDouble).cpu();
    for (int i = 0; i < n && int(r.samples.size()) < shown; ++i)
      r.samples.push_back(toPixels((u[i] * 255.0).floor().clamp(0, 255).to(torch::kUInt8)));
    sum = sum.defined() ? sum + u.sum(0) : u.sum(0);
    sumSq = sumSq.defined() ? sumSq + u.pow(2).sum(0) : u.pow(2).sum(0);
    hist += torch::histc(u.flatten(), kBins, 0.0, 1.0);
    r.minU = std::min(r.minU, u.min().item<double>()), r.maxU = std::max(r.maxU, u.max().item<double>());
    done += n;
    if (progress && !progress(done, draws) && done < draws) {
      r.cancelled = true;
      break;
    }
  }
  r.draws = done;
  auto mean = sum / done;
  auto var = (sumSq / done - mean.pow(2)).clamp_min(0);
  auto meanMap = mean.mean(0).contiguous(), stdMap = var.sqrt().mean(0).contiguous();
  r.meanU.assign(meanMap.data_ptr<double>(), meanMap.data_ptr<double>() + meanMap.numel());
  r.stdU.assign(stdMap.data_ptr<double>(), stdMap.data_ptr<double>() + stdMap.numel());
  auto counts = hist.to(torch::kLong);
  r.histogram.assign(counts.data_ptr<int64_t>(), counts.data_ptr<int64_t>() + kBins);
  r.histogramTotal = int64_t(done) * x.numel();
  r.meanNegLogQ = negLogQ / done, r.meanLogP = logP / done;
  iwCurve(model, torch::cat(ratios), r);
  return r;
}

}  // namespace flowpp
