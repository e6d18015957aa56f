#pragma once
// Latent files from `flowpp encode`: a torch.save-compatible dictionary
//   {"format": "flowpp-latents-2", "config": <JSON>, "z": tensor [N, C', H', W'], "source": <data>,
//    "checksum": "crc32:..."}
// Reading checks the format, the checksum, the tensor's kind and shape and that every value is finite.
#include <string>

#include <torch/torch.h>

#include "model/ModelConfig.h"

namespace flowpp {

struct LatentFile {
  torch::Tensor z;  // float32 [N, C', H', W']
  ModelConfig config;
  std::string source;
};

void writeLatents(const std::string& path, const torch::Tensor& z, const ModelConfig& config, const std::string& source);
LatentFile readLatents(const std::string& path);  // throws CheckpointError naming the file and the problem
LatentFile latentsFromBytes(const std::string& bytes, const std::string& source);

// Shape [C', H', W'] of a model's latents (after its squeezes).
std::vector<int64_t> latentShape(const ModelConfig& config);

}  // namespace flowpp
