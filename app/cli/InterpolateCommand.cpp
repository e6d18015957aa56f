// flowpp interpolate A B: decode a path between two images' latents, written as a strip.
#include "Common.h"
#include "data/ImageIo.h"
#include "explore/Interpolation.h"

namespace flowpp::cli {

namespace {
torch::Tensor pickImage(const std::string& spec, const std::optional<ImageDataset>& data, const ModelConfig& c) {
  if (data) {
    int64_t i = 0;
    try {
      i = std::stoll(spec);
    } catch (...) {
      throw UsageError("with --data, A and B are image indices, got '" + spec + "'");
    }
    if (i < 0 || i >= data->size()) throw UsageError("index " + spec + " is outside the data set (0.." + std::to_string(data->size() - 1) + ")");
    return data->images[i];
  }
  auto img = readImage(spec, ImageShape{c.channels, c.height, c.width});
  if (!img.conversion.empty()) std::cerr << "note: " << spec << ": " << img.conversion << "\n";
  return img.image;
}
}  // namespace

void addInterpolate(CLI::App& app) {
  auto* cmd = app.add_subcommand("interpolate", "Decode the latent path between two images, as a PNG strip");
  struct Args {
    std::string model, a, b, data, out, device = "auto";
    int64_t steps = 8;
    bool spherical = false;
  };
  auto a = std::make_shared<Args>();
  cmd->add_option("--model", a->model, "Checkpoint or run folder")->required();
  cmd->add_option("A", a->a, "First image: a file, or an index into --data")->required();
  cmd->add_option("B", a->b, "Second image: a file, or an index into --data")->required();
  cmd->add_option("--data", a->data, "Data set that A and B index");
  cmd->add_option("--steps", a->steps, "Frames including both ends")->default_val(8)->check(CLI::Range(2, 256));
  cmd->add_flag("--spherical", a->spherical, "Spherical (slerp) instead of linear interpolation");
  cmd->add_option("--out", a->out, "PNG strip to write")->required();
  cmd->add_option("--device", a->device, "cpu, cuda or auto")->default_val("auto");
  cmd->callback([a] {
    auto loaded = openModel(a->model, 0, a->device);
    const auto& c = loaded.model->config();
    std::optional<ImageDataset> data;
    if (!a->data.empty()) data = openData(a->data, 0, c);
    auto xa = quantize(pickImage(a->a, data, c), c.nBits).unsqueeze(0);
    auto xb = quantize(pickImage(a->b, data, c), c.nBits).unsqueeze(0);
    auto path = interpolateLatents(loaded.model->encode(xa), loaded.model->encode(xb), a->steps, a->spherical);
    auto r = loaded.model->decode(path);
    const auto n = path.size(0);
    const double errA = (r.x[0].cpu() - xa[0]).abs().max().item<double>();
    const double errB = (r.x[n - 1].cpu() - xb[0]).abs().max().item<double>();
    writePng(a->out, makeGrid(toDisplay8(r.x, c.nBits), n));
    printJson({{"frames", n}, {"spherical", a->spherical}, {"reconstruction_error_a", errA},
               {"reconstruction_error_b", errB}, {"out", a->out}});
  });
}

}  // namespace flowpp::cli
