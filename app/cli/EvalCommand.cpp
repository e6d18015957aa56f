// flowpp eval: test bits/dim, one-sample ELBO and importance-weighted with K samples.
#include <sstream>

#include "Common.h"
#include "explore/Evaluation.h"
#include "model/Footprint.h"
#include "util/AtomicFile.h"

namespace flowpp::cli {

void addEval(CLI::App& app) {
  auto* cmd = app.add_subcommand("eval", "Bits/dim of a data set (ELBO and importance-weighted)");
  struct Args {
    std::string model, data, perImage, device = "auto";
    int64_t limit = 0, batch = 64;
    int k = 1;
    uint64_t seed = 0;
    bool resize = false;
  };
  auto a = std::make_shared<Args>();
  cmd->add_option("--model", a->model, "Checkpoint, run folder or config JSON")->required();
  cmd->add_option("--data", a->data, "Images to evaluate")->required();
  cmd->add_option("--limit", a->limit, "Use only the first N images (0: all)")->check(integerIn(0, 1000000000000LL));
  cmd->add_option("--importance-samples,-k", a->k, "K dequantization samples per image (1 = ELBO only; the paper used 16384)")
      ->default_val(1)->check(integerIn(1, 16384));
  cmd->add_option("--per-image", a->perImage, "Write each image's bits/dim to this CSV file");
  cmd->add_option("--batch-size", a->batch, "(image, draw) pairs per forward pass")->default_val(64)->check(integerIn(1, 65536));
  cmd->add_option("--seed", a->seed, "Seed of the dequantization noise")->default_val(0)->check(integerIn(0, 1000000000000LL));
  cmd->add_option("--device", a->device, "cpu, cuda or auto")->default_val("auto");
  addResizeFlag(cmd, a->resize);
  cmd->callback([a] {
    auto [loaded, data] = openModelAndData(a->model, a->data, a->limit, a->seed, a->device, DataRole::Test, a->resize);
    installInterruptHandler();
    Progress bar("eval (images x draws)", data.size() * a->k);
    EvalOptions eo{a->k, a->batch, a->seed, 0};
    auto r = evaluate(loaded.model, data.images, eo, [&](int64_t done, int64_t) {
      bar.update(done);
      return !interrupted();
    });
    bar.finish();
    if (r.images == 0) throw InterruptedError("evaluation stopped before the first image finished");
    requireFinite(r.meanElbo, "the bits/dim");
    // The figures first: a --per-image file that cannot be written loses nothing else.
    nlohmann::json out = {{"bpd_elbo", r.meanElbo}, {"images", r.images}, {"importance_samples", a->k},
                          {"model", loaded.path}, {"data", a->data}, {"interrupted", r.cancelled}};
    if (a->k > 1) out["bpd_iw"] = r.meanIw;
    printJson(out);
    if (!a->perImage.empty()) {
      std::ostringstream csv;
      csv << "index,bpd_elbo" << (a->k > 1 ? ",bpd_iw" : "") << "\n";
      auto e = r.bpdElbo.accessor<double, 1>();
      auto w = r.bpdIw.accessor<double, 1>();
      for (int64_t i = 0; i < r.images; ++i) {
        csv << i << "," << e[i];
        if (a->k > 1) csv << "," << w[i];
        csv << "\n";
      }
      writeFileAtomically(a->perImage, csv.str());
    }
    if (r.cancelled)
      throw InterruptedError("evaluation stopped after " + std::to_string(r.images) + " of " + std::to_string(data.size()) +
                             " images; the figures above are for those");
  });
}

}  // namespace flowpp::cli
