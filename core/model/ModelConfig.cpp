#include "model/ModelConfig.h"

#include <fstream>
#include <stdexcept>

namespace flowpp {

using nlohmann::json;

AttentionMode attentionFromString(const std::string& name) {
  if (name == "self") return AttentionMode::Self;
  if (name == "none") return AttentionMode::None;
  if (name == "pointwise") return AttentionMode::Pointwise;
  throw std::invalid_argument("unknown attention '" + name + "' (expected self, none or pointwise)");
}

std::string toString(AttentionMode mode) {
  switch (mode) {
    case AttentionMode::Self: return "self";
    case AttentionMode::None: return "none";
    case AttentionMode::Pointwise: return "pointwise";
  }
  return "?";
}

namespace {

// Reads j[key] into `out` when present; wraps type errors with the field's path.
template <typename T>
void read(const json& j, const char* key, T& out, const std::string& where) {
  if (!j.contains(key)) return;
  try {
    out = j.at(key).get<T>();
  } catch (const json::exception&) {
    throw std::invalid_argument(where + "." + key + ": expected " +
                                (std::is_same_v<T, std::string> ? "a string"
                                 : std::is_same_v<T, bool>      ? "true or false"
                                                                : "a number") +
                                ", got " + j.at(key).dump());
  }
}

void require(bool ok, const std::string& message) {
  if (!ok) throw std::invalid_argument(message);
}

AttentionMode readAttention(const json& j, const char* key, AttentionMode fallback, const std::string& where) {
  std::string name = toString(fallback);
  read(j, key, name, where);
  try {
    return attentionFromString(name);
  } catch (const std::invalid_argument& e) {
    throw std::invalid_argument(where + "." + key + ": " + e.what());
  }
}

json stageToJson(const StageConfig& s) {
  if (s.squeeze) return {{"squeeze", true}};
  json j = {{"split", toString(s.split)}, {"couplings", s.couplings}};
  if (s.attention) j["attention"] = toString(*s.attention);
  return j;
}

StageConfig stageFromJson(const json& j, const std::string& where) {
  require(j.is_object(), where + ": expected an object");
  StageConfig s;
  read(j, "squeeze", s.squeeze, where);
  if (s.squeeze) return s;
  std::string split = "stripe";
  read(j, "split", split, where);
  try {
    s.split = splitTypeFromString(split);
  } catch (const std::invalid_argument& e) {
    throw std::invalid_argument(where + ".split: " + e.what());
  }
  read(j, "couplings", s.couplings, where);
  require(s.couplings >= 1, where + ".couplings: must be at least 1");
  if (j.contains("attention")) s.attention = readAttention(j, "attention", AttentionMode::Self, where);
  return s;
}

}  // namespace

json ModelConfig::toJson() const {
  json stages = json::array();
  for (const auto& s : flow.stages) stages.push_back(stageToJson(s));
  return {
      {"name", name},
      {"description", description},
      {"image", {{"channels", channels}, {"height", height}, {"width", width}}},
      {"n_bits", nBits},
      {"flow",
       {{"coupling", flow.coupling}, {"filters", flow.filters}, {"blocks", flow.blocks},
        {"components", flow.components}, {"heads", flow.heads}, {"dropout", flow.dropout},
        {"attention", toString(flow.attention)}, {"weight_norm", flow.weightNorm},
        {"pointwise", flow.pointwise}, {"stages", stages}}},
      {"dequantizer",
       {{"type", dequantizer.type}, {"coupling", dequantizer.coupling}, {"filters", dequantizer.filters}, {"blocks", dequantizer.blocks},
        {"components", dequantizer.components}, {"heads", dequantizer.heads},
        {"couplings", dequantizer.couplings}, {"context_channels", dequantizer.contextChannels},
        {"context_blocks", dequantizer.contextBlocks}, {"dropout", dequantizer.dropout},
        {"attention", toString(dequantizer.attention)}}},
      {"training",
       {{"learning_rate", training.learningRate}, {"warmup_steps", training.warmupSteps},
        {"lr_decay", training.lrDecay}, {"grad_clip", training.gradClip}, {"ema_decay", training.emaDecay},
        {"batch_size", training.batchSize}, {"init_batch_size", training.initBatchSize}}},
  };
}

ModelConfig ModelConfig::fromJson(const json& j, const std::string& source) {
  require(j.is_object(), source + ": expected a JSON object");
  ModelConfig c;
  read(j, "name", c.name, source);
  read(j, "description", c.description, source);
  read(j, "n_bits", c.nBits, source);
  require(c.nBits >= 1 && c.nBits <= 8, source + ".n_bits: must be in 1..8");
  if (j.contains("image")) {
    const auto& im = j.at("image");
    read(im, "channels", c.channels, source + ".image");
    read(im, "height", c.height, source + ".image");
    read(im, "width", c.width, source + ".image");
  }
  require(c.channels >= 1 && c.height >= 2 && c.width >= 2, source + ".image: invalid shape");

  require(j.contains("flow"), source + ": missing \"flow\"");
  const auto& f = j.at("flow");
  const std::string fw = source + ".flow";
  read(f, "coupling", c.flow.coupling, fw);
  require(c.flow.coupling == "mixlogistic" || c.flow.coupling == "affine",
          fw + ".coupling: expected mixlogistic or affine, got '" + c.flow.coupling + "'");
  read(f, "filters", c.flow.filters, fw);
  read(f, "blocks", c.flow.blocks, fw);
  read(f, "components", c.flow.components, fw);
  read(f, "heads", c.flow.heads, fw);
  read(f, "dropout", c.flow.dropout, fw);
  read(f, "weight_norm", c.flow.weightNorm, fw);
  read(f, "pointwise", c.flow.pointwise, fw);
  c.flow.attention = readAttention(f, "attention", c.flow.attention, fw);
  require(c.flow.filters >= 1 && c.flow.blocks >= 0, fw + ": filters must be >= 1 and blocks >= 0");
  require(c.flow.coupling == "affine" || c.flow.components >= 1, fw + ".components: must be >= 1");
  require(c.flow.heads >= 1 && c.flow.filters % c.flow.heads == 0, fw + ".heads: must divide filters");
  require(c.flow.dropout >= 0 && c.flow.dropout < 1, fw + ".dropout: must be in [0, 1)");
  require(f.contains("stages") && f.at("stages").is_array() && !f.at("stages").empty(),
          fw + ".stages: expected a non-empty array");
  for (size_t i = 0; i < f.at("stages").size(); ++i)
    c.flow.stages.push_back(stageFromJson(f.at("stages")[i], fw + ".stages[" + std::to_string(i) + "]"));

  if (j.contains("dequantizer")) {
    const auto& d = j.at("dequantizer");
    const std::string dw = source + ".dequantizer";
    read(d, "type", c.dequantizer.type, dw);
    require(c.dequantizer.type == "variational" || c.dequantizer.type == "uniform",
            dw + ".type: expected variational or uniform, got '" + c.dequantizer.type + "'");
    read(d, "coupling", c.dequantizer.coupling, dw);
    require(c.dequantizer.coupling == "mixlogistic" || c.dequantizer.coupling == "affine",
            dw + ".coupling: expected mixlogistic or affine, got '" + c.dequantizer.coupling + "'");
    read(d, "filters", c.dequantizer.filters, dw);
    read(d, "blocks", c.dequantizer.blocks, dw);
    read(d, "components", c.dequantizer.components, dw);
    read(d, "heads", c.dequantizer.heads, dw);
    read(d, "couplings", c.dequantizer.couplings, dw);
    read(d, "context_channels", c.dequantizer.contextChannels, dw);
    read(d, "context_blocks", c.dequantizer.contextBlocks, dw);
    read(d, "dropout", c.dequantizer.dropout, dw);
    c.dequantizer.attention = readAttention(d, "attention", c.dequantizer.attention, dw);
    if (c.dequantizer.variational()) {
      require(c.dequantizer.couplings >= 1 && c.dequantizer.components >= 1 && c.dequantizer.filters >= 1,
              dw + ": couplings, components and filters must be >= 1");
      require(c.dequantizer.filters % c.dequantizer.heads == 0, dw + ".heads: must divide filters");
      require(c.width % 2 == 0, dw + ": the variational dequantizer's stripe split needs an even width");
    }
  }
  if (j.contains("training")) {
    const auto& t = j.at("training");
    const std::string tw = source + ".training";
    read(t, "learning_rate", c.training.learningRate, tw);
    read(t, "warmup_steps", c.training.warmupSteps, tw);
    read(t, "lr_decay", c.training.lrDecay, tw);
    read(t, "grad_clip", c.training.gradClip, tw);
    read(t, "ema_decay", c.training.emaDecay, tw);
    read(t, "batch_size", c.training.batchSize, tw);
    read(t, "init_batch_size", c.training.initBatchSize, tw);
  }
  return c;
}

ModelConfig ModelConfig::load(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot open config '" + path + "'");
  json j;
  try {
    in >> j;
  } catch (const json::parse_error& e) {
    throw std::invalid_argument("config '" + path + "' is not valid JSON: " + e.what());
  }
  return fromJson(j, path);
}

}  // namespace flowpp
