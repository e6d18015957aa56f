#pragma once
// The memory layout of the conditioner networks' activations. On the CPU, float32 activations run
// channels-last (NHWC): oneDNN's convolutions take and give that layout as it is, where plain NCHW
// tensors are reordered into its blocked format and back around every call (bench --profile).
// A conditioner converts its input once and its output back once (nn/ConditioningNet).
//
// Channels-last changes the last bits of a convolution's sums, so code that must reproduce the
// floats of an earlier run on another machine or version (the codec's conditioners) holds a
// ChannelsLastScope(false). FLOWPP_CHANNELS_LAST=0 turns it off everywhere (for comparisons).
#include <torch/torch.h>

namespace flowpp {

// Whether a conditioner's activations should be channels-last for this input.
bool useChannelsLast(const torch::Tensor& x);

// The layout a 4-D tensor is dense in: ChannelsLast when it is channels-last and not NCHW
// (tensors of one channel or one pixel are both: Contiguous).
at::MemoryFormat denseFormat(const torch::Tensor& x);

// Overrides the default on this thread while it lives.
class ChannelsLastScope {
 public:
  explicit ChannelsLastScope(bool on);
  ~ChannelsLastScope();
  ChannelsLastScope(const ChannelsLastScope&) = delete;
  ChannelsLastScope& operator=(const ChannelsLastScope&) = delete;

 private:
  int previous_;
};

}  // namespace flowpp
