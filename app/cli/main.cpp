// flowpp: the Flow++ Studio command line. Every subcommand is a thin layer over core/.
#include <ATen/Context.h>

#include <iostream>
#include <thread>

#include "Common.h"

int main(int argc, char** argv) {
  // Debian's LibTorch starts with one thread; softmax weights underflow to denormals, which slow
  // CPU matrix products ~3x unless flushed.
  torch::set_num_threads(static_cast<int>(std::max(1u, std::thread::hardware_concurrency())));
  at::globalContext().setFlushDenormal(true);

  CLI::App app{"flowpp: train, evaluate and explore Flow++ models (Ho et al., ICML 2019)", "flowpp"};
  app.set_version_flag("--version", std::string("flowpp ") + FLOWPP_VERSION + " (LibTorch " +
                                        std::to_string(TORCH_VERSION_MAJOR) + "." + std::to_string(TORCH_VERSION_MINOR) +
                                        ", " + (torch::cuda::is_available() ? "CUDA available" : "CPU") + ")");
  app.require_subcommand(1);
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
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  } catch (const flowpp::cli::UsageError& e) {
    std::cerr << "flowpp: error: " << e.what() << "\n";
    return 2;
  } catch (const flowpp::DataError& e) {
    std::cerr << "flowpp: data error: " << e.what() << "\n";
    return 3;
  } catch (const c10::Error& e) {
    std::string what = e.what_without_backtrace();
    std::cerr << "flowpp: error: " << what.substr(0, what.find('\n')) << "\n";
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "flowpp: error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
