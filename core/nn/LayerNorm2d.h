#pragma once
// Layer normalisation over the channel axis of an NCHW tensor (eps 1e-5, learnable gain and bias),
// as after every conv and attention block of Flow++'s conditioner.
#include <torch/torch.h>

namespace flowpp {

class LayerNorm2dImpl : public torch::nn::Module {
 public:
  explicit LayerNorm2dImpl(int64_t channels);
  torch::Tensor forward(const torch::Tensor& x);

 private:
  torch::Tensor gain_, bias_;
};
TORCH_MODULE(LayerNorm2d);

}  // namespace flowpp
