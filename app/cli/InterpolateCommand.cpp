// flowpp interpolate A B: decode a path between two images' latents, written as a strip.
#include "Common.h"
#include "data/ImageIo.h"
#include "explore/Interpolation.h"

namespace flowpp::cli {

namespace {
torch::Tensor pickImage(const std::string& spec, const std::optional<ImageDataset>& data, const ModelConfig& c) {
  if (data) {
    int64_t i = 0;
    size_t used = 0;
    try {
      i = std::stoll(spec, &used);
    } catch (...) {
      used = 0;
    }
    if (used == 0 || used != spec.size()) throw UsageError("with --data, A and B are image indices, got '" + spec + "'");
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
    bool spherical = false, resize = false;
  };
  auto a = std::make_shared<Args>();
  cmd->add_option("--model", a->model, "Checkpoint or run folder")->required();
  cmd->add_option("A", a->a, "First image: a file, or an index into --data")->required();
  cmd->add_option("B", a->b, "Second image: a file, or an index into --data")->required();
  cmd->add_option("--data", a->data, "Data set that A and B index");
  cmd->add_option("--steps", a->steps, "Frames including both ends")->default_val(8)->check(integerIn(2, 256));
  cmd->add_flag("--spherical", a->spherical, "Spherical (slerp) instead of linear interpolation");
  cmd->add_option("--out", a->out, "PNG strip to write")->required();
  cmd->add_option("--device", a->device, "cpu, cuda or auto")->default_val("auto");
  addResizeFlag(cmd, a->resize);
  cmd->callback([a] {
    auto loaded = openModel(a->model, 0, a->device);
    if (loaded.fresh) throw UsageError("interpolate: --model must be a trained checkpoint or run folder");
    const auto& c = loaded.model->config();
    std::optional<ImageDataset> data;
    if (!a->data.empty()) data = openData(a->data, 0, c, DataRole::Test, a->resize);
    auto r = interpolate(loaded.model, pickImage(a->a, data, c), pickImage(a->b, data, c), int(a->steps), a->spherical);
    std::vector<torch::Tensor> frames;
    for (const auto& f : r.frames) frames.push_back(fromPixels(f));
    writePng(a->out, makeGrid(torch::stack(frames), int64_t(frames.size())));
    printJson({{"frames", frames.size()}, {"spherical", a->spherical}, {"reconstruction_error_a", r.reconstructionErrorA},
               {"reconstruction_error_b", r.reconstructionErrorB}, {"bits_per_dim", r.bitsPerDim}, {"out", a->out}});
  });
}

}  // namespace flowpp::cli
