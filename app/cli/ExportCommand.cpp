// flowpp export: an inference-only checkpoint (EMA weights, optionally float16) from a run.
#include "Common.h"
#include "train/RunFolder.h"

namespace flowpp::cli {

void addExport(CLI::App& app) {
  auto* cmd = app.add_subcommand("export", "Write an inference-only model file (EMA weights) from a checkpoint or run");
  struct Args {
    std::string model, out, name;
    bool half = false, acceptUnverified = false;
  };
  auto a = std::make_shared<Args>();
  cmd->add_option("--model", a->model, "Checkpoint or run folder")->required();
  cmd->add_option("--out", a->out, "Model file to write (.fpp)")->required();
  cmd->add_option("--name", a->name, "The exported model's name (default: the run's; shown by info and the studio)");
  cmd->add_flag("--half", a->half, "Store weights as float16 (they load back exactly as the rounded model)");
  cmd->add_flag("--accept-unverified", a->acceptUnverified,
                "Read a checkpoint written before checksums existed (it cannot be checked for damage) and write it "
                "with one");
  cmd->callback([a, cmd] {
    if (!std::filesystem::exists(a->model)) throw UsageError("--model: no such file or folder '" + a->model + "'");
    if (cmd->count("--name") && a->name.empty()) throw UsageError("--name: give a name, not an empty text");
    refuseToOverwriteRunCheckpoint(a->out, "export --out");
    auto loaded = loadModel(a->model, 0, a->acceptUnverified);
    if (loaded.fresh) throw UsageError("export: --model must be a trained checkpoint or run folder");
    if (!loaded.verified) std::cerr << "note: " << loaded.path << " had no checksum; the exported file has one\n";
    if (a->half) roundWeightsToHalf(*loaded.model);
    Checkpoint ck;
    ck.config = loaded.model->config();
    if (!a->name.empty()) ck.config.name = a->name;
    ck.meta = loaded.meta;
    ck.meta["exported_from"] = loaded.path;
    ck.meta["half_precision"] = a->half;
    ck.weights = stateOf(*loaded.model);
    saveCheckpoint(a->out, ck, a->half);
    printJson({{"out", a->out}, {"parameters", loaded.model->parameterCount()}, {"half", a->half},
               {"bytes", std::filesystem::file_size(a->out)}});
  });
}

}  // namespace flowpp::cli
