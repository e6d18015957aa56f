#include "codec/ImageCodeLengths.h"

#include <cmath>
#include <random>

#include "codec/Compressor.h"

namespace flowpp::codec {

ImageCodeLengths imageCodeLengths(FlowPlusPlus model, const torch::Tensor& imageIn, uint64_t seed) {
  torch::NoGradGuard noGrad;
  const auto image = imageIn.to(torch::kLong).contiguous();
  TORCH_CHECK(image.dim() == 3, "expected one image [C, H, W], got ", image.sizes());
  ImageCodeLengths r;
  r.dims = image.numel();

  // Inside an archive: the stack holds the earlier images' bits, enough to give back every bit the
  // noise takes (64 bits per sub-pixel is far more than the noise's ~34), so no initial bits.
  AnsStack stack;
  std::mt19937_64 bits(seed);
  for (int64_t i = 0; i < 4 * r.dims; ++i) stack.pushBits(uint32_t(bits() & 0xffff), 16);
  ModelCoder coder(model);
  r.ledger.mapPixels = true;
  const auto batch = coder.encode(stack, image.unsqueeze(0), &r.ledger);
  r.codedPixelBits = r.ledger.pixelBits[0];
  // The model's own per-sub-pixel terms (FlowPlusPlusImpl::logLikelihood) for the noise the coder drew.
  const auto lik = model->logLikelihood(image.unsqueeze(0).to(torch::kFloat), true, batch.noise.to(torch::kFloat));
  r.modelPixelBits = torch::zeros_like(r.codedPixelBits);
  for (const auto& term : lik.terms) r.modelPixelBits -= term.map[0].to(torch::kDouble).cpu() / std::log(2.0);
  r.boundBits = -lik.logp.to(torch::kDouble).sum().item<double>() / std::log(2.0);

  CompressOptions o;
  o.modelBound = false;
  o.threads = 1;
  const auto single = compressImages(model, image.unsqueeze(0), o);
  r.singleFile = single.file;
  r.singleCodedWith = single.codedWith;
  r.singleFlowBits = single.flowBitsPerDim * double(r.dims);
  r.classical = single.classical;
  return r;
}

}  // namespace flowpp::codec
