// flowpp encode / decode: images <-> latent files (core/explore/LatentFile). decode(encode(x)) == x.
#include <filesystem>
#include <iostream>

#include "Common.h"
#include "data/ImageIo.h"
#include "explore/LatentFile.h"

namespace flowpp::cli {

namespace {
struct CodecArgs {
  std::string model, data, out, latents, device = "auto";
  int64_t limit = 0, batch = 64;
  bool resize = false;
};

void encodeImages(const CodecArgs& a) {
  auto [loaded, data] = openModelAndData(a.model, a.data, a.limit, 0, a.device, DataRole::Test, a.resize);
  if (loaded.fresh) throw UsageError("encode: --model must be a trained checkpoint or run folder");
  std::vector<torch::Tensor> zs;
  Progress bar("encode", data.size());
  for (int64_t s = 0; s < data.size(); s += a.batch) {
    auto n = std::min(a.batch, data.size() - s);
    zs.push_back(loaded.model->encode(quantize(data.images.narrow(0, s, n), loaded.model->config().nBits)).cpu());
    bar.update(s + n);
  }
  bar.finish();
  auto z = torch::cat(zs);
  writeLatents(a.out, z, loaded.model->config(), a.data);
  printJson({{"images", data.size()}, {"latent_shape", z.sizes().vec()}, {"out", a.out}});
}

void decodeLatents(const CodecArgs& a) {
  if (!std::filesystem::exists(a.latents)) throw UsageError("no such latent file '" + a.latents + "'");
  auto loaded = openModel(a.model, 0, a.device);
  if (loaded.fresh) throw UsageError("decode: --model must be a trained checkpoint or run folder");
  const auto& config = loaded.model->config();
  auto file = readLatents(a.latents);
  auto expected = latentShape(config);
  if (file.z.sizes().slice(1).vec() != expected) {
    std::ostringstream msg;
    msg << a.latents << ": latents of shape " << file.z.sizes().slice(1) << " do not fit the model, whose latents are "
        << torch::IntArrayRef(expected);
    throw UsageError(msg.str());
  }
  if (file.config.toJson()["flow"] != config.toJson()["flow"])
    std::cerr << "note: " << a.latents << " was encoded with a different model (" << file.config.name << ")\n";
  std::filesystem::create_directories(a.out);
  Progress bar("decode", file.z.size(0));
  double iterations = 0;
  for (int64_t s = 0; s < file.z.size(0); s += a.batch) {
    auto n = std::min(a.batch, file.z.size(0) - s);
    auto r = loaded.model->decode(file.z.narrow(0, s, n));
    iterations += r.meanIterations * n;
    auto images = toDisplay8(r.x, config.nBits).cpu();
    for (int64_t i = 0; i < n; ++i) {
      char name[32];
      std::snprintf(name, sizeof name, "%06lld.png", static_cast<long long>(s + i));
      writePng((std::filesystem::path(a.out) / name).string(), images[i]);
    }
    bar.update(s + n);
  }
  bar.finish();
  printJson({{"images", file.z.size(0)}, {"out", a.out}, {"mean_inverse_iterations", iterations / file.z.size(0)}});
}
}  // namespace

void addEncodeDecode(CLI::App& app) {
  auto a = std::make_shared<CodecArgs>();
  auto* enc = app.add_subcommand("encode", "Map images to latents z = f(x + 1/2) and write a latent file");
  enc->add_option("--model", a->model, "Checkpoint or run folder")->required();
  enc->add_option("--data", a->data, "Images to encode")->required();
  enc->add_option("--limit", a->limit, "Encode only the first N images (0: all)")->check(integerIn(0, 1000000000000LL));
  enc->add_option("--batch-size", a->batch, "Images per forward pass")->default_val(64)->check(integerIn(1, 65536));
  enc->add_option("--out", a->out, "Latent file to write")->required();
  enc->add_option("--device", a->device, "cpu, cuda or auto")->default_val("auto");
  enc->callback([a] { encodeImages(*a); });

  auto* dec = app.add_subcommand("decode", "Map a latent file back to images (PNG files in the data's order)");
  dec->add_option("--model", a->model, "Checkpoint or run folder")->required();
  dec->add_option("latents", a->latents, "Latent file from `flowpp encode`")->required();
  dec->add_option("--out", a->out, "Folder for the PNG files")->required();
  dec->add_option("--batch-size", a->batch, "Latents per inverse pass")->default_val(64)->check(integerIn(1, 65536));
  dec->add_option("--device", a->device, "cpu, cuda or auto")->default_val("auto");
  dec->callback([a] { decodeLatents(*a); });
}

}  // namespace flowpp::cli
