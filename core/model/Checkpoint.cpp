#include "model/Checkpoint.h"

#include <filesystem>
#include <sstream>
#include <stdexcept>

#include "train/RunFolder.h"
#include "util/AtomicFile.h"
#include "util/PickleFile.h"
#include "util/Checksum.h"
#include "util/JsonText.h"

namespace flowpp {

namespace fs = std::filesystem;
namespace {
constexpr const char* kFormat = "flowpp-checkpoint-2";
constexpr const char* kFormatV1 = "flowpp-checkpoint-1";

TensorMap storedForm(const TensorMap& map, bool half) {
  TensorMap out;
  for (const auto& [name, t] : map) {
    auto v = t.detach().cpu().contiguous();
    if (half && v.is_floating_point()) v = v.to(torch::kHalf);
    out[name] = v;
  }
  return out;
}

c10::Dict<std::string, torch::Tensor> toDict(const TensorMap& map) {
  c10::Dict<std::string, torch::Tensor> d;
  for (const auto& [name, t] : map) d.insert(name, t);
  return d;
}

std::string checksumOf(const std::string& format, const std::string& config, const std::string& meta,
                       const TensorMap& weights, const TensorMap& train) {
  return Checksum().add(format).add(config).add(meta).add(weights).add(train).hex();
}

// The entries of a top-level dictionary, each checked for its type, in stored form (no conversion).
struct RawCheckpoint {
  std::string format, config, meta, checksum;
  TensorMap weights, train;
};

const c10::IValue& entry(const c10::impl::GenericDict& d, const char* key) {
  auto it = d.find(std::string(key));
  if (it == d.end()) throw std::runtime_error(std::string("no \"") + key + "\" entry");
  return it->value();
}

std::string stringEntry(const c10::impl::GenericDict& d, const char* key) {
  const auto& v = entry(d, key);
  if (!v.isString()) throw std::runtime_error(std::string("the \"") + key + "\" entry is not a string");
  return v.toStringRef();
}

TensorMap tensorEntry(const c10::impl::GenericDict& d, const char* key) {
  const auto& v = entry(d, key);
  if (!v.isGenericDict()) throw std::runtime_error(std::string("the \"") + key + "\" entry is not a dictionary");
  TensorMap map;
  for (const auto& e : v.toGenericDict()) {
    if (!e.key().isString() || !e.value().isTensor())
      throw std::runtime_error(std::string("the \"") + key + "\" entry holds something other than named tensors");
    map[e.key().toStringRef()] = e.value().toTensor();
  }
  return map;
}

RawCheckpoint unpickle(const std::string& bytes) {
  auto value = loadPickle(bytes);
  if (!value.isGenericDict()) throw std::runtime_error("not a dictionary");
  auto top = value.toGenericDict();
  RawCheckpoint raw;
  raw.format = stringEntry(top, "format");
  if (raw.format != kFormat && raw.format != kFormatV1)
    throw std::runtime_error("unknown format '" + raw.format.substr(0, 40) + "' (expected " + kFormat + ")");
  raw.config = stringEntry(top, "config");
  raw.meta = stringEntry(top, "meta");
  raw.weights = tensorEntry(top, "weights");
  if (top.contains(std::string("train"))) raw.train = tensorEntry(top, "train");
  if (raw.format == kFormat) raw.checksum = stringEntry(top, "checksum");
  return raw;
}

TensorMap toFloat(const TensorMap& stored) {
  TensorMap out;
  for (const auto& [name, t] : stored) out[name] = t.scalar_type() == torch::kHalf ? t.to(torch::kFloat) : t;
  return out;
}
}  // namespace

TensorMap stateOf(const torch::nn::Module& module) {
  TensorMap map;
  for (const auto& p : module.named_parameters()) map[p.key()] = p.value().detach().cpu().clone();
  for (const auto& b : module.named_buffers()) map[b.key()] = b.value().detach().cpu().clone();
  return map;
}

void loadTensor(torch::Tensor& target, const TensorMap& state, const std::string& name, const std::string& source) {
  torch::NoGradGuard noGrad;
  auto it = state.find(name);
  if (it == state.end()) throw CheckpointError(source + ": missing tensor '" + name + "'");
  const auto& value = it->second;
  if (value.sizes() != target.sizes()) {
    std::ostringstream msg;
    msg << source << ": tensor '" << name << "' has shape " << value.sizes() << ", the model expects " << target.sizes();
    throw CheckpointError(msg.str());
  }
  if (!value.is_floating_point()) throw CheckpointError(source + ": tensor '" + name + "' is not floating point");
  if (!torch::isfinite(value).all().item<bool>())
    throw CheckpointError(source + ": tensor '" + name + "' holds NaN or infinite values; the model is unusable");
  target.copy_(value);
}

void loadState(torch::nn::Module& module, const TensorMap& state, const std::string& source) {
  for (auto& p : module.named_parameters()) loadTensor(p.value(), state, p.key(), source);
  for (auto& b : module.named_buffers()) loadTensor(b.value(), state, b.key(), source);
}

void saveCheckpoint(const std::string& path, const Checkpoint& ck, bool halfPrecision) {
  const auto config = ck.config.toJson().dump();
  const auto meta = ck.meta.dump();
  const auto weights = storedForm(ck.weights, halfPrecision), train = storedForm(ck.train, false);
  c10::impl::GenericDict top(c10::StringType::get(), c10::AnyType::get());
  top.insert(std::string("format"), std::string(kFormat));
  top.insert(std::string("config"), config);
  top.insert(std::string("meta"), meta);
  top.insert(std::string("weights"), toDict(weights));
  if (!train.empty()) top.insert(std::string("train"), toDict(train));
  top.insert(std::string("checksum"), checksumOf(kFormat, config, meta, weights, train));
  auto bytes = torch::pickle_save(c10::IValue(top));
  writeFileAtomically(path, std::string_view(bytes.data(), bytes.size()));
}

Checkpoint checkpointFromBytes(const std::string& bytes, const std::string& source, bool acceptUnverified) {
  const std::string prefix = "'" + source + "' is not a usable Flow++ checkpoint: ";
  RawCheckpoint raw;
  try {
    raw = unpickle(bytes);
  } catch (const c10::Error& e) {
    std::string what = e.what_without_backtrace();
    throw CheckpointError(prefix + "the file is corrupt or truncated (" + what.substr(0, what.find('\n')).substr(0, 120) + ")");
  } catch (const std::exception& e) {
    throw CheckpointError(prefix + std::string(e.what()).substr(0, 160));
  }
  Checkpoint ck;
  if (!raw.checksum.empty()) {
    if (checksumOf(raw.format, raw.config, raw.meta, raw.weights, raw.train) != raw.checksum)
      throw CheckpointError(prefix + "its checksum does not match its contents (the file was damaged or edited)");
    ck.verified = true;
  } else if (!acceptUnverified) {
    throw CheckpointError(prefix + "it was written by an older Flow++ Studio without a checksum (" + kFormatV1 +
                          "), so damage to it cannot be detected. If you trust it, convert it once: flowpp export "
                          "--model " + source + " --out NEW.fpp --accept-unverified");
  }
  try {
    ck.config = ModelConfig::fromText(raw.config, source + " (embedded config)");
    ck.meta = parseJsonText(raw.meta, "its metadata");
    if (!ck.meta.is_object()) throw std::runtime_error("its metadata is not a JSON object");
  } catch (const ConfigError& e) {
    throw CheckpointError(prefix + e.what());
  } catch (const std::exception& e) {
    throw CheckpointError(prefix + "unreadable metadata (" + std::string(e.what()).substr(0, 120) + ")");
  }
  ck.weights = toFloat(raw.weights);
  ck.train = toFloat(raw.train);
  return ck;
}

Checkpoint readCheckpoint(const std::string& path, bool acceptUnverified) {
  std::string bytes;
  try {
    bytes = readFile(path);
  } catch (const std::exception& e) {
    throw CheckpointError(e.what());
  }
  return checkpointFromBytes(bytes, path, acceptUnverified);
}

LoadedModel loadModel(const std::string& path, uint64_t seed, bool acceptUnverified) {
  LoadedModel out;
  out.path = path;
  if (fs::is_directory(path)) {
    out.path = newestCheckpoint(path);
    if (out.path.empty()) throw CheckpointError("run folder '" + path + "' has no checkpoints/ckpt-*.fpp");
  }
  if (fs::path(out.path).extension() == ".json") {
    out.model = buildModel(ModelConfig::load(out.path), seed);
    out.fresh = true;
    out.meta = nlohmann::json::object();
  } else {
    auto ck = readCheckpoint(out.path, acceptUnverified);
    out.model = buildModel(ck.config, 0);
    loadState(*out.model, ck.weights, out.path);
    out.meta = ck.meta;
    out.verified = ck.verified;
  }
  out.model->eval();
  return out;
}

void roundWeightsToHalf(torch::nn::Module& module) {
  torch::NoGradGuard noGrad;
  for (auto& p : module.parameters()) p.copy_(p.to(torch::kHalf).to(p.scalar_type()));
}

}  // namespace flowpp
