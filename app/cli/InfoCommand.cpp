// flowpp info: config, parameter count, steps trained and last metrics of a model.
#include "Common.h"

namespace flowpp::cli {

void addInfo(CLI::App& app) {
  auto* cmd = app.add_subcommand("info", "Print a model's config, parameter count and training state as JSON");
  auto model = std::make_shared<std::string>();
  cmd->add_option("--model", *model, "Checkpoint, run folder or config JSON")->required();
  cmd->callback([model] {
    if (!std::filesystem::exists(*model)) throw UsageError("--model: no such file or folder '" + *model + "'");
    auto loaded = loadModel(*model);
    nlohmann::json out = {{"model", loaded.path},
                          {"parameters", loaded.model->parameterCount()},
                          {"trained", !loaded.fresh},
                          {"config", loaded.model->config().toJson()}};
    if (loaded.meta.contains("step")) out["steps"] = loaded.meta["step"];
    if (loaded.meta.contains("epoch")) out["epoch"] = loaded.meta["epoch"];
    if (loaded.meta.contains("last_metrics")) out["last_metrics"] = loaded.meta["last_metrics"];
    if (loaded.meta.contains("wall_seconds")) out["wall_seconds"] = loaded.meta["wall_seconds"];
    for (const auto& key : {"test_bpd_elbo", "test_bpd_iw", "trained_with"})
      if (loaded.meta.contains(key)) out[key] = loaded.meta[key];
    printJson(out);
  });
}

}  // namespace flowpp::cli
