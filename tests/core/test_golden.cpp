// Golden values from an independent source: tests/data/golden.json holds log p(x + u) - log q(u|x)
// for fixed images and dequantization noise, computed by tools/golden/PlainFlowpp (plain ATen ops
// in float64, written apart from the model) for three tiny models of every kind and the bundled
// model. The model must reproduce them with every kernel table this CPU runs: in float64 to 1e-12
// (the fused kernels' double builds against a different route through the same maths) and in
// float32 within float rounding (up to 3e-5 for the tiny model whose mixture components sit at the
// log-scale clamp of -7: a scale of e^-7 multiplies float32's rounding of x by 1,100). This test only reads the file; tools/golden/make_golden writes it.
#include <QtTest>

#include <fstream>

#include "../TestMain.h"
#include "Helpers.h"
#include "data/Dataset.h"
#include "kernels/CpuKernels.h"
#include "model/Checkpoint.h"

using namespace flowpp;
using nlohmann::json;

namespace {
const std::string kSource = FLOWPP_SOURCE_DIR;

torch::Tensor tensorOf(const json& values, at::IntArrayRef shape) {
  auto v = values.get<std::vector<double>>();
  return torch::tensor(v, torch::kDouble).view(shape);
}

// The model's log-likelihood of x with the given noise, in `dtype`, with each kernel table; every
// value must lie within `relative` of the reference.
void compareWithEveryKernelTable(LoadedModel& loaded, const torch::Tensor& x, const torch::Tensor& noise,
                                 const torch::Tensor& reference, double float64Tolerance, double float32Tolerance) {
  const auto& before = kernels::cpuKernels();
  for (const auto* table : kernels::supportedKernelTables()) {
    kernels::useKernels(*table);
    for (auto dtype : {torch::kDouble, torch::kFloat}) {
      const double tolerance = dtype == torch::kDouble ? float64Tolerance : float32Tolerance;
      loaded.model->to(dtype);
      torch::NoGradGuard g;
      auto logp = loaded.model->logLikelihood(x.to(dtype), false, noise.to(dtype)).logp.to(torch::kDouble);
      auto error = ((logp - reference).abs() / reference.abs().clamp_min(1.0)).max().item<double>();
      qInfo("%s, %s kernels, %s: worst relative error %.3g", loaded.path.c_str(), table->isa,
            dtype == torch::kDouble ? "float64" : "float32", error);
      QVERIFY2(error <= tolerance, qPrintable(QString("%1 with the %2 kernels in %3: relative error %4 (allowed %5)")
                                                  .arg(QString::fromStdString(loaded.path), table->isa,
                                                       dtype == torch::kDouble ? "float64" : "float32")
                                                  .arg(error).arg(tolerance)));
    }
  }
  kernels::useKernels(before);
  loaded.model->to(torch::kFloat);
}
}  // namespace

class TestGolden : public QObject {
  Q_OBJECT
  json golden_;

 private Q_SLOTS:
  void initTestCase() {
    std::ifstream in(kSource + "/tests/data/golden.json");
    QVERIFY2(in, "tests/data/golden.json is missing (tools/golden/make_golden writes it)");
    golden_ = json::parse(in);
  }

  void tinyModels_data() {
    QTest::addColumn<QString>("name");
    for (const auto& [name, entry] : golden_["tiny"].items()) QTest::newRow(name.c_str()) << QString::fromStdString(name);
  }
  void tinyModels() {
    QFETCH(QString, name);
    const auto& g = golden_["tiny"][name.toStdString()];
    auto loaded = loadModel(kSource + "/" + g["model"].get<std::string>());
    loaded.model->eval();
    const auto shape = g["shape"].get<std::vector<int64_t>>();
    compareWithEveryKernelTable(loaded, tensorOf(g["x"], shape), tensorOf(g["noise"], shape),
                                tensorOf(g["log_likelihood"], {shape[0]}), 1e-12, 3e-5);
  }

  void bundledModel() {
    const auto& g = golden_["bundled"];
    auto loaded = loadModel(kSource + "/" + g["model"].get<std::string>());
    loaded.model->eval();
    const auto& c = loaded.model->config();
    const auto reference = tensorOf(g["log_likelihood"], {-1});
    const int64_t n = reference.size(0);
    auto x = quantize(loadDataset("/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz", n).images, c.nBits);
    compareWithEveryKernelTable(loaded, x.to(torch::kDouble), tensorOf(g["noise"], {n, c.channels, c.height, c.width}),
                                reference, 1e-12, 5e-6);
  }
};

FLOWPP_TEST_GUILESS_MAIN(TestGolden)
#include "test_golden.moc"
