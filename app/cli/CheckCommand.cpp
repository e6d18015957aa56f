// flowpp check: runs the numerical self-checks (exact inverse, log-det vs autograd) on a device.
#include "Common.h"
#include "explore/SelfCheck.h"

namespace flowpp::cli {

void addCheck(CLI::App& app) {
  auto* cmd = app.add_subcommand("check", "Verify invertibility and log-determinants on this machine (CPU or CUDA)");
  auto device = std::make_shared<std::string>("auto");
  cmd->add_option("--device", *device, "cpu, cuda or auto")->default_val("auto");
  cmd->callback([device] {
    auto d = parseDevice(*device);
    auto results = runSelfChecks(d);
    bool ok = true;
    nlohmann::json list = nlohmann::json::array();
    for (const auto& r : results) {
      ok = ok && r.passed;
      list.push_back({{"model", r.name}, {"round_trip_max_error", r.roundTripError},
                      {"logdet_abs_error", r.logdetError}, {"exact_reconstruction", r.exactReconstruction},
                      {"passed", r.passed}});
    }
    printJson({{"device", d.str()}, {"passed", ok}, {"checks", list}});
    if (!ok) throw std::runtime_error("self-check failed");
  });
}

}  // namespace flowpp::cli
