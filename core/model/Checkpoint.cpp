#include "model/Checkpoint.h"

#include <filesystem>
#include <stdexcept>

#include "util/AtomicFile.h"

namespace flowpp {

namespace fs = std::filesystem;
namespace {
constexpr const char* kFormat = "flowpp-checkpoint-1";

c10::Dict<std::string, torch::Tensor> toDict(const TensorMap& map, bool half) {
  c10::Dict<std::string, torch::Tensor> d;
  for (const auto& [name, t] : map) {
    auto v = t.detach().cpu().contiguous();
    if (half && v.is_floating_point()) v = v.to(torch::kHalf);
    d.insert(name, v);
  }
  return d;
}

TensorMap fromIValue(const c10::IValue& v) {
  TensorMap map;
  for (const auto& entry : v.toGenericDict()) {
    auto t = entry.value().toTensor();
    map[entry.key().toStringRef()] = t.scalar_type() == torch::kHalf ? t.to(torch::kFloat) : t;
  }
  return map;
}
}  // namespace

TensorMap stateOf(const torch::nn::Module& module) {
  TensorMap map;
  for (const auto& p : module.named_parameters()) map[p.key()] = p.value().detach().cpu().clone();
  for (const auto& b : module.named_buffers()) map[b.key()] = b.value().detach().cpu().clone();
  return map;
}

void loadState(torch::nn::Module& module, const TensorMap& state, const std::string& source) {
  torch::NoGradGuard noGrad;
  auto assign = [&](const std::string& name, torch::Tensor& target) {
    auto it = state.find(name);
    if (it == state.end()) throw std::runtime_error(source + ": missing tensor '" + name + "'");
    if (it->second.sizes() != target.sizes()) {
      std::ostringstream msg;
      msg << source << ": tensor '" << name << "' has shape " << it->second.sizes() << ", the model expects "
          << target.sizes();
      throw std::runtime_error(msg.str());
    }
    target.copy_(it->second);
  };
  for (auto& p : module.named_parameters()) assign(p.key(), p.value());
  for (auto& b : module.named_buffers()) assign(b.key(), b.value());
}

void saveCheckpoint(const std::string& path, const Checkpoint& ck, bool halfPrecision) {
  c10::impl::GenericDict top(c10::StringType::get(), c10::AnyType::get());
  top.insert(std::string("format"), std::string(kFormat));
  top.insert(std::string("config"), ck.config.toJson().dump());
  top.insert(std::string("meta"), ck.meta.dump());
  top.insert(std::string("weights"), toDict(ck.weights, halfPrecision));
  if (!ck.train.empty()) top.insert(std::string("train"), toDict(ck.train, false));
  auto bytes = torch::pickle_save(c10::IValue(top));
  writeFileAtomically(path, std::string_view(bytes.data(), bytes.size()));
}

Checkpoint readCheckpoint(const std::string& path) {
  auto raw = readFile(path);
  Checkpoint ck;
  try {
    auto value = torch::pickle_load(std::vector<char>(raw.begin(), raw.end()));
    if (!value.isGenericDict()) throw std::runtime_error("not a dictionary");
    auto top = value.toGenericDict();
    if (!top.contains(std::string("format")) || top.at(std::string("format")).toStringRef() != kFormat)
      throw std::runtime_error("no \"format\": \"" + std::string(kFormat) + "\" entry");
    ck.config = ModelConfig::fromJson(nlohmann::json::parse(top.at(std::string("config")).toStringRef()), path);
    ck.meta = nlohmann::json::parse(top.at(std::string("meta")).toStringRef());
    ck.weights = fromIValue(top.at(std::string("weights")));
    if (top.contains(std::string("train"))) ck.train = fromIValue(top.at(std::string("train")));
  } catch (const std::exception& e) {
    std::string what = e.what();
    throw std::runtime_error("'" + path + "' is not a readable Flow++ checkpoint (" +
                             what.substr(0, what.find('\n')) + ")");
  }
  return ck;
}

std::string newestCheckpointIn(const std::string& runDir) {
  std::string best;
  const auto dir = fs::path(runDir) / "checkpoints";
  if (!fs::is_directory(dir)) return best;
  for (const auto& e : fs::directory_iterator(dir)) {
    const auto name = e.path().filename().string();
    if (e.path().extension() == ".fpp" && name.rfind("ckpt-", 0) == 0 && name > fs::path(best).filename().string())
      best = e.path().string();
  }
  return best;
}

LoadedModel loadModel(const std::string& path, uint64_t seed) {
  LoadedModel out;
  out.path = path;
  if (fs::is_directory(path)) {
    out.path = newestCheckpointIn(path);
    if (out.path.empty()) throw std::runtime_error("run folder '" + path + "' has no checkpoints/ckpt-*.fpp");
  }
  if (fs::path(out.path).extension() == ".json") {
    torch::manual_seed(seed);
    out.model = FlowPlusPlus(ModelConfig::load(out.path));
    out.fresh = true;
    out.meta = nlohmann::json::object();
  } else {
    auto ck = readCheckpoint(out.path);
    out.model = FlowPlusPlus(ck.config);
    loadState(*out.model, ck.weights, out.path);
    out.meta = ck.meta;
  }
  out.model->eval();
  return out;
}

void roundWeightsToHalf(torch::nn::Module& module) {
  torch::NoGradGuard noGrad;
  for (auto& p : module.parameters()) p.copy_(p.to(torch::kHalf).to(p.scalar_type()));
}

}  // namespace flowpp
