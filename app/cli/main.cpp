// flowpp: the Flow++ Studio command line. Every subcommand is a thin layer over core/.
#include <csignal>
#include <iostream>

#include "Common.h"
#include "Launcher.h"
#include "train/Distributed.h"
#include "model/Footprint.h"
#include "train/RunFolder.h"
#include "util/Runtime.h"

namespace {

std::string firstLine(std::string s) { return s.substr(0, s.find('\n')); }

// One sentence per error, the exit code of its kind (see Common.h).
int report(const std::string& kind, const std::string& message, int code) {
  std::cerr << "flowpp: " << kind << message << "\n";
  return code;
}

std::string versionText() {
  std::string s = std::string("flowpp ") + FLOWPP_VERSION + " (LibTorch " + std::to_string(TORCH_VERSION_MAJOR) + "." +
                  std::to_string(TORCH_VERSION_MINOR) + ", " + (torch::cuda::is_available() ? "CUDA available" : "CPU");
  const auto backends = flowpp::distributedBackends();
  s += ", distributed training: " + (backends.empty() ? std::string("not in this build") : backends);
  return s + ")";
}

}  // namespace

int main(int argc, char** argv) {
  flowpp::configureRuntime();
  flowpp::cli::setCommandLine(argc, argv);
  std::signal(SIGXFSZ, SIG_IGN);  // a file-size limit makes write() fail with EFBIG instead of killing us

  CLI::App app{"flowpp: train, evaluate and explore Flow++ models (Ho et al., ICML 2019)", "flowpp"};
  app.set_version_flag("--version", versionText());
  bool verbose = false;
  app.add_flag("--verbose,-v", verbose, "Show the details LibTorch or OpenCV gave with an error");
  app.require_subcommand(1);
  app.fallthrough();
  flowpp::cli::addTrain(app);
  flowpp::cli::addEval(app);
  flowpp::cli::addSample(app);
  flowpp::cli::addEncodeDecode(app);
  flowpp::cli::addInterpolate(app);
  flowpp::cli::addHeatmap(app);
  flowpp::cli::addInfo(app);
  flowpp::cli::addBench(app);
  flowpp::cli::addCheck(app);
  flowpp::cli::addExport(app);
  flowpp::cli::addToy(app);
  flowpp::cli::addCompress(app);
  flowpp::cli::addDecompress(app);
  if (argc > 1 && argv[1][0] != '-') {
    std::string names;
    bool known = false;
    for (const auto* sub : app.get_subcommands({})) {
      names += (names.empty() ? "" : ", ") + sub->get_name();
      known = known || sub->check_name(argv[1]);
    }
    if (!known) return report("error: ", "unknown command '" + std::string(argv[1]) + "' (commands: " + names + ")", 2);
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);  // --help, --version
    return report("error: ", std::string(e.what()) + " (see flowpp --help)", 2);
  } catch (const flowpp::cli::UsageError& e) {
    return report("error: ", e.what(), 2);
  } catch (const flowpp::cli::ExitError& e) {
    return report("error: ", e.what(), e.code);
  } catch (const flowpp::cli::InterruptedError& e) {
    return report("interrupted: ", e.what(), 130);
  } catch (const flowpp::ConfigError& e) {
    return report("error: ", e.what(), 2);
  } catch (const flowpp::CheckpointError& e) {
    return report("error: ", e.what(), 2);
  } catch (const flowpp::RunFolderError& e) {
    return report("error: ", e.what(), 2);
  } catch (const flowpp::ResourceError& e) {
    return report("error: ", e.what(), 2);
  } catch (const std::invalid_argument& e) {
    return report("error: ", e.what(), 2);
  } catch (const flowpp::DataError& e) {
    return report("data error: ", e.what(), 3);
  } catch (const c10::Error& e) {
    return report("error: ", verbose ? firstLine(e.what_without_backtrace())
                                     : std::string("the computation failed inside LibTorch (--verbose shows its message)"),
                  1);
  } catch (const std::bad_alloc&) {
    return report("error: ", "out of memory; use a smaller model, batch or --limit", 1);
  } catch (const std::exception& e) {
    return report("error: ", firstLine(e.what()), 1);
  }
  return 0;
}
