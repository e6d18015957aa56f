#include "explore/LatentFile.h"

#include "model/Checkpoint.h"
#include "util/AtomicFile.h"
#include "util/PickleFile.h"
#include "util/Checksum.h"

namespace flowpp {

namespace {
constexpr const char* kFormat = "flowpp-latents-2";

std::string checksumOf(const std::string& config, const std::string& source, const torch::Tensor& z) {
  return Checksum().add(kFormat).add(config).add(source).add("z", z).hex();
}

std::string text(const c10::impl::GenericDict& d, const char* key) {
  auto it = d.find(std::string(key));
  if (it == d.end() || !it->value().isString()) throw std::runtime_error(std::string("no \"") + key + "\" text");
  return it->value().toStringRef();
}
}  // namespace

std::vector<int64_t> latentShape(const ModelConfig& c) {
  int64_t ch = c.channels, h = c.height, w = c.width;
  for (const auto& s : c.flow.stages)
    if (s.squeeze) ch *= 4, h /= 2, w /= 2;
  return {ch, h, w};
}

void writeLatents(const std::string& path, const torch::Tensor& z, const ModelConfig& config, const std::string& source) {
  auto stored = z.detach().cpu().to(torch::kFloat).contiguous();
  const auto configText = config.toJson().dump();
  c10::impl::GenericDict d(c10::StringType::get(), c10::AnyType::get());
  d.insert(std::string("format"), std::string(kFormat));
  d.insert(std::string("config"), configText);
  d.insert(std::string("z"), stored);
  d.insert(std::string("source"), source);
  d.insert(std::string("checksum"), checksumOf(configText, source, stored));
  auto bytes = torch::pickle_save(c10::IValue(d));
  writeFileAtomically(path, std::string_view(bytes.data(), bytes.size()));
}

LatentFile latentsFromBytes(const std::string& bytes, const std::string& source) {
  const std::string prefix = "'" + source + "' is not a usable latent file from `flowpp encode`: ";
  LatentFile out;
  std::string configText, checksum;
  try {
    auto value = loadPickle(bytes);
    if (!value.isGenericDict()) throw std::runtime_error("not a dictionary");
    auto d = value.toGenericDict();
    if (text(d, "format") != kFormat) throw std::runtime_error("wrong format tag (expected " + std::string(kFormat) + ")");
    configText = text(d, "config");
    out.source = text(d, "source");
    checksum = text(d, "checksum");
    auto z = d.find(std::string("z"));
    if (z == d.end() || !z->value().isTensor()) throw std::runtime_error("no latent tensor \"z\"");
    out.z = z->value().toTensor();
  } catch (const c10::Error& e) {
    std::string what = e.what_without_backtrace();
    throw CheckpointError(prefix + "the file is corrupt or truncated (" + what.substr(0, what.find('\n')).substr(0, 100) + ")");
  } catch (const std::exception& e) {
    throw CheckpointError(prefix + std::string(e.what()).substr(0, 160));
  }
  if (checksumOf(configText, out.source, out.z) != checksum)
    throw CheckpointError(prefix + "its checksum does not match its contents (the file was damaged or edited)");
  if (out.z.dim() != 4 || out.z.scalar_type() != torch::kFloat || out.z.size(0) == 0)
    throw CheckpointError(prefix + "\"z\" is not a non-empty float32 [N, C, H, W] tensor");
  if (!torch::isfinite(out.z).all().item<bool>())
    throw CheckpointError(prefix + "some latents are NaN or infinite; decoding them would give meaningless images");
  try {
    out.config = ModelConfig::fromText(configText, source + " (embedded config)");
  } catch (const ConfigError& e) {
    throw CheckpointError(prefix + e.what());
  }
  return out;
}

LatentFile readLatents(const std::string& path) {
  std::string bytes;
  try {
    bytes = readFile(path);
  } catch (const std::exception& e) {
    throw CheckpointError(e.what());
  }
  return latentsFromBytes(bytes, path);
}

}  // namespace flowpp
