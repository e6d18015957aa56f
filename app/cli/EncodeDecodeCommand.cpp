// flowpp encode / decode: images <-> latent files. decode(encode(x)) gives back x exactly.
// A latent file is a torch.save-compatible dictionary {"format", "config", "z", "source"}.
#include <filesystem>

#include "Common.h"
#include "data/ImageIo.h"
#include "util/AtomicFile.h"

namespace flowpp::cli {

namespace {
constexpr const char* kLatentFormat = "flowpp-latents-1";

void writeLatents(const std::string& path, const torch::Tensor& z, const ModelConfig& config, const std::string& source) {
  c10::impl::GenericDict d(c10::StringType::get(), c10::AnyType::get());
  d.insert(std::string("format"), std::string(kLatentFormat));
  d.insert(std::string("config"), config.toJson().dump());
  d.insert(std::string("z"), z.cpu().contiguous());
  d.insert(std::string("source"), source);
  auto bytes = torch::pickle_save(c10::IValue(d));
  writeFileAtomically(path, std::string_view(bytes.data(), bytes.size()));
}

torch::Tensor readLatents(const std::string& path, const ModelConfig& config) {
  auto raw = readFile(path);
  try {
    auto d = torch::pickle_load(std::vector<char>(raw.begin(), raw.end())).toGenericDict();
    if (d.at(std::string("format")).toStringRef() != kLatentFormat) throw std::runtime_error("wrong format tag");
    auto z = d.at(std::string("z")).toTensor();
    const auto other = ModelConfig::fromJson(nlohmann::json::parse(d.at(std::string("config")).toStringRef()));
    if (other.toJson()["flow"] != config.toJson()["flow"] || other.channels != config.channels ||
        other.height != config.height || other.width != config.width)
      std::cerr << "warning: " << path << " was encoded with a different model config (" << other.name << ")\n";
    return z;
  } catch (const std::exception& e) {
    throw UsageError("'" + path + "' is not a readable latent file from `flowpp encode` (" +
                     std::string(e.what()).substr(0, 120) + ")");
  }
}
}  // namespace

void addEncodeDecode(CLI::App& app) {
  struct Args {
    std::string model, data, out, latents, device = "auto";
    int64_t limit = 0, batch = 64;
  };
  auto a = std::make_shared<Args>();
  auto* enc = app.add_subcommand("encode", "Map images to latents z = f(x + 1/2) and write a latent file");
  enc->add_option("--model", a->model, "Checkpoint or run folder")->required();
  enc->add_option("--data", a->data, "Images to encode")->required();
  enc->add_option("--limit", a->limit, "Encode only the first N images");
  enc->add_option("--out", a->out, "Latent file to write")->required();
  enc->add_option("--device", a->device, "cpu, cuda or auto")->default_val("auto");
  enc->callback([a] {
    auto loaded = openModel(a->model, 0, a->device);
    auto data = openData(a->data, a->limit, loaded.model->config());
    std::vector<torch::Tensor> zs;
    Progress bar("encode", data.size());
    for (int64_t s = 0; s < data.size(); s += a->batch) {
      auto n = std::min(a->batch, data.size() - s);
      zs.push_back(loaded.model->encode(quantize(data.images.narrow(0, s, n), loaded.model->config().nBits)).cpu());
      bar.update(s + n);
    }
    bar.finish();
    auto z = torch::cat(zs);
    writeLatents(a->out, z, loaded.model->config(), a->data);
    printJson({{"images", data.size()}, {"latent_shape", z.sizes().vec()}, {"out", a->out}});
  });

  auto* dec = app.add_subcommand("decode", "Map a latent file back to images (PNG files in the data's order)");
  dec->add_option("--model", a->model, "Checkpoint or run folder")->required();
  dec->add_option("latents", a->latents, "Latent file from `flowpp encode`")->required();
  dec->add_option("--out", a->out, "Folder for the PNG files")->required();
  dec->add_option("--device", a->device, "cpu, cuda or auto")->default_val("auto");
  dec->callback([a] {
    if (!std::filesystem::exists(a->latents)) throw UsageError("no such latent file '" + a->latents + "'");
    auto loaded = openModel(a->model, 0, a->device);
    auto z = readLatents(a->latents, loaded.model->config());
    std::filesystem::create_directories(a->out);
    Progress bar("decode", z.size(0));
    double iterations = 0;
    for (int64_t s = 0; s < z.size(0); s += a->batch) {
      auto n = std::min(a->batch, z.size(0) - s);
      auto r = loaded.model->decode(z.narrow(0, s, n));
      iterations += r.meanIterations * n;
      auto images = toDisplay8(r.x, loaded.model->config().nBits).cpu();
      for (int64_t i = 0; i < n; ++i) {
        char name[32];
        std::snprintf(name, sizeof name, "%06lld.png", static_cast<long long>(s + i));
        writePng((std::filesystem::path(a->out) / name).string(), images[i]);
      }
      bar.update(s + n);
    }
    bar.finish();
    printJson({{"images", z.size(0)}, {"out", a->out}, {"mean_inverse_iterations", iterations / std::max<int64_t>(1, z.size(0))}});
  });
}

}  // namespace flowpp::cli
