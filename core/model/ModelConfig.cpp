#include "model/ModelConfig.h"

#include <cmath>
#include <fstream>
#include <set>
#include <sstream>

#include "model/ConfigFields.h"
#include "util/AtomicFile.h"
#include "util/JsonText.h"

namespace flowpp {

using nlohmann::json;

namespace {
constexpr int64_t kMaxConfigBytes = 16 << 20;  // a config is a few kilobytes; anything this big is not one
}

SplitType splitTypeFromString(const std::string& name) {
  if (name == "stripe") return SplitType::Stripe;
  if (name == "checkerboard") return SplitType::Checkerboard;
  if (name == "channel") return SplitType::Channel;
  throw std::invalid_argument("unknown split '" + name + "' (expected stripe, checkerboard or channel)");
}

std::string toString(SplitType type) {
  switch (type) {
    case SplitType::Stripe: return "stripe";
    case SplitType::Checkerboard: return "checkerboard";
    case SplitType::Channel: return "channel";
  }
  return "?";
}

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

// Size limits: far beyond any sensible model, small enough that arithmetic on them cannot overflow.

AttentionMode readAttention(ConfigFields& f, const char* key, AttentionMode fallback) {
  std::string name = toString(fallback);
  f.text(key, name, {"self", "none", "pointwise"});
  return attentionFromString(name);
}

// The seven conditioner fields, parsed and validated in one place for the flow and the dequantizer.
void readConditioner(ConfigFields& f, ConditionerOptions& net, bool withContext) {
  f.integer("filters", net.filters, 1, kMaxFilters);
  f.integer("blocks", net.blocks, 0, kMaxBlocks);
  f.integer("heads", net.heads, 1, kMaxFilters);
  f.number("dropout", net.dropout, 0.0, 1.0, ConfigFields::kClosed, ConfigFields::kOpen);
  net.attention = readAttention(f, "attention", net.attention);
  if (withContext) f.integer("context_channels", net.contextChannels, 1, kMaxFilters);
  else f.flag("weight_norm", net.weightNorm);
  if (net.filters % net.heads != 0)
    f.fail("heads", std::to_string(net.heads) + " does not divide filters (" + std::to_string(net.filters) +
                        "): each attention head gets filters / heads channels");
}

void writeConditioner(json& j, const ConditionerOptions& net, bool withContext) {
  j["filters"] = net.filters;
  j["blocks"] = net.blocks;
  j["heads"] = net.heads;
  j["dropout"] = net.dropout;
  j["attention"] = toString(net.attention);
  if (withContext) j["context_channels"] = net.contextChannels;
  else j["weight_norm"] = net.weightNorm;
}

StageConfig readStage(ConfigFields& f) {
  StageConfig s;
  f.flag("squeeze", s.squeeze);
  if (s.squeeze) {
    f.finish();
    return s;
  }
  std::string split = "stripe";
  f.text("split", split, {"stripe", "checkerboard", "channel"});
  s.split = splitTypeFromString(split);
  f.integer("couplings", s.couplings, 1, kMaxCouplings, /*required=*/true);
  if (f.has("attention")) s.attention = readAttention(f, "attention", AttentionMode::Self);
  f.finish();
  return s;
}

// Every squeeze needs an even height and width, every stripe/checkerboard split an even width and
// every channel split an even channel count, at the resolution where the stage runs.
void checkStageShapes(const ModelConfig& c, const std::string& source) {
  int64_t ch = c.channels, h = c.height, w = c.width;
  for (size_t i = 0; i < c.flow.stages.size(); ++i) {
    const auto& s = c.flow.stages[i];
    const std::string where = source + ": flow.stages[" + std::to_string(i) + "]";
    const std::string shape = std::to_string(ch) + "x" + std::to_string(h) + "x" + std::to_string(w);
    if (s.squeeze) {
      if (h % 2 || w % 2) throw ConfigError(where + ": a squeeze needs an even height and width, the tensor is " + shape);
      ch *= 4, h /= 2, w /= 2;
    } else if (s.split == SplitType::Channel && ch % 2) {
      throw ConfigError(where + ": a channel split needs an even channel count, the tensor is " + shape);
    } else if (s.split != SplitType::Channel && w % 2) {
      throw ConfigError(where + ": a " + toString(s.split) + " split needs an even width, the tensor is " + shape);
    }
  }
  if (c.dequantizer.variational() && c.width % 2)
    throw ConfigError(source + ": dequantizer: the variational dequantizer's stripe split needs an even width, got " +
                      std::to_string(c.width));
}

}  // namespace

json ModelConfig::toJson() const {
  json stages = json::array();
  for (const auto& s : flow.stages) {
    if (s.squeeze) {
      stages.push_back({{"squeeze", true}});
      continue;
    }
    json j = {{"split", toString(s.split)}, {"couplings", s.couplings}};
    if (s.attention) j["attention"] = toString(*s.attention);
    stages.push_back(j);
  }
  json f = {{"coupling", flow.coupling}, {"components", flow.components}, {"pointwise", flow.pointwise}};
  writeConditioner(f, flow.net, false);
  f["stages"] = stages;
  json d = {{"type", dequantizer.type},
            {"coupling", dequantizer.coupling},
            {"components", dequantizer.components},
            {"couplings", dequantizer.couplings},
            {"context_blocks", dequantizer.contextBlocks}};
  writeConditioner(d, dequantizer.net, true);
  return {
      {"name", name},
      {"description", description},
      {"image", {{"channels", channels}, {"height", height}, {"width", width}}},
      {"n_bits", nBits},
      {"flow", f},
      {"dequantizer", d},
      {"training",
       {{"learning_rate", training.learningRate}, {"warmup_steps", training.warmupSteps},
        {"lr_decay", training.lrDecay}, {"grad_clip", training.gradClip}, {"ema_decay", training.emaDecay},
        {"batch_size", training.batchSize}, {"init_batch_size", training.initBatchSize}}},
  };
}

ModelConfig ModelConfig::fromJson(const json& j, const std::string& source) {
  ModelConfig c;
  ConfigFields top(j, source, "");
  top.text("name", c.name);
  top.text("description", c.description);
  top.integer("n_bits", c.nBits, 1, 8);
  if (auto im = top.object("image")) {
    im->integer("channels", c.channels, 1, 64);
    im->integer("height", c.height, 2, 4096);
    im->integer("width", c.width, 2, 4096);
    im->finish();
  }
  auto f = top.object("flow", /*required=*/true);
  f->text("coupling", c.flow.coupling, {"mixlogistic", "affine"});
  f->integer("components", c.flow.components, 1, kMaxComponents);
  f->flag("pointwise", c.flow.pointwise);
  readConditioner(*f, c.flow.net, false);
  for (auto& stage : f->objects("stages", 1, 64)) c.flow.stages.push_back(readStage(stage));
  f->finish();

  if (auto d = top.object("dequantizer")) {
    d->text("type", c.dequantizer.type, {"variational", "uniform"});
    d->text("coupling", c.dequantizer.coupling, {"mixlogistic", "affine"});
    d->integer("components", c.dequantizer.components, 1, kMaxComponents);
    d->integer("couplings", c.dequantizer.couplings, 1, kMaxCouplings);
    d->integer("context_blocks", c.dequantizer.contextBlocks, 0, kMaxBlocks);
    readConditioner(*d, c.dequantizer.net, true);
    d->finish();
  }
  if (auto t = top.object("training")) {
    auto& tr = c.training;
    t->number("learning_rate", tr.learningRate, 0.0, 1.0, ConfigFields::kOpen, ConfigFields::kClosed);
    t->integer("warmup_steps", tr.warmupSteps, 0, 1000000000);
    t->number("lr_decay", tr.lrDecay, 0.0, 1.0, ConfigFields::kOpen, ConfigFields::kClosed);
    t->number("grad_clip", tr.gradClip, 0.0, 1e6, ConfigFields::kClosed, ConfigFields::kClosed);
    t->number("ema_decay", tr.emaDecay, 0.0, 1.0, ConfigFields::kClosed, ConfigFields::kOpen);
    t->integer("batch_size", tr.batchSize, 1, 65536);
    t->integer("init_batch_size", tr.initBatchSize, 1, 65536);
    t->finish();
  }
  top.finish();
  checkStageShapes(c, source);
  return c;
}

ModelConfig ModelConfig::fromText(const std::string& text, const std::string& source) {
  json j;
  try {
    j = parseJsonText(text, source);
  } catch (const JsonTextError& e) {
    throw ConfigError(e.what());
  }
  return fromJson(j, source);
}

std::string ModelConfig::summary() const {
  std::string coupling = flow.coupling == "mixlogistic" ? "mixlogistic \u00d7" + std::to_string(flow.components) : flow.coupling;
  std::set<std::string> modes;  // the attention of each coupling stage, once each
  for (const auto& s : flow.stages)
    if (!s.squeeze) modes.insert(toString(flow.attentionOf(s)));
  std::string attention;
  for (const auto& m : modes) attention += (attention.empty() ? "" : "/") + m;
  const std::string dot = " \u00b7 ";
  return coupling + dot + dequantizer.type + " dequant." + dot + "attention " + (attention.empty() ? "none" : attention) + dot +
         std::to_string(flow.net.filters) + " filters \u00d7 " + std::to_string(flow.net.blocks) + " blocks" + dot + "batch " +
         std::to_string(training.batchSize);
}

ModelConfig ModelConfig::load(const std::string& path) {
  std::string text;
  try {
    text = readFile(path, kMaxConfigBytes);
  } catch (const std::exception& e) {
    throw ConfigError(std::string("cannot read config: ") + e.what());
  }
  return fromText(text, path);
}

}  // namespace flowpp
