#pragma once
// Plain, torch-free vocabulary of a Flow++ config, shared by the model, the config parser, the
// ablations and the studio (which must not include torch headers).
#include <string>

namespace flowpp {

// How a coupling splits its input in two halves.
enum class SplitType {
  Stripe,        // even vs odd columns; what the official code calls "CheckerboardSplit"
  Checkerboard,  // true checkerboard ((i + j) even vs odd), each half collapsed to W/2 columns
  Channel,       // first vs second half of the channels
};

// What follows the gated convolution in each block of a conditioner.
enum class AttentionMode {
  None,       // conv only (the attention block is absent)
  Self,       // gated multi-head self-attention (full Flow++)
  Pointwise,  // the official ablation: position embedding + 1x1 maxout MLP in place of attention
};

SplitType splitTypeFromString(const std::string& name);  // throws std::invalid_argument
std::string toString(SplitType type);
AttentionMode attentionFromString(const std::string& name);  // "self", "none", "pointwise"
std::string toString(AttentionMode mode);

// The network inside every coupling (paper sec. 3.3): `blocks` x [gated conv, attention] of width
// `filters`. One struct for the main flow, the dequantizer, the coupling layers and the ablations.
struct ConditionerOptions {
  int filters = 96;
  int blocks = 10;
  int heads = 4;
  int contextChannels = 0;  // > 0 only inside the dequantizer (the context net's width)
  AttentionMode attention = AttentionMode::Self;
  double dropout = 0.2;
  bool weightNorm = false;  // weight-normalised convs (the ImageNet launchers)
};

}  // namespace flowpp
