// Latent directions (explore/LatentDirections) against plain computations written here: class
// means of latents encoded one image at a time, the data's variance along each principal direction,
// orthogonality; and the property the studio relies on: moving by 0 returns the image exactly.
#include <QtTest>

#include "../TestMain.h"
#include "Helpers.h"
#include "data/Dataset.h"
#include "explore/LatentDirections.h"
#include "explore/SampleGrid.h"
#include "model/Checkpoint.h"

using namespace flowpp;
using namespace flowpp::test;

namespace {
const std::string kBundled = std::string(FLOWPP_SOURCE_DIR) + "/models/fmnist-small.fpp";
const std::string kFashionTest = "/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz";
}  // namespace

class TestLatentDirections : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void directionsMatchPlainComputations() {
    RandomScope rng(41);
    torch::NoGradGuard noGrad;
    auto model = loadModel(kBundled).model;
    constexpr int64_t n = 200;
    const auto data = loadDataset(kFashionTest, n);
    QCOMPARE(int64_t(data.labels.size()), n);
    const auto set = computeLatentDirections(model, data.images, data.labels, data.classes, 4, n);
    QVERIFY(!set.cancelled);
    QCOMPARE(set.images, n);

    // Class means from latents encoded one image at a time.
    std::vector<torch::Tensor> latents;
    for (int64_t i = 0; i < n; ++i) latents.push_back(model->encode(modelInput(model, data.images[i])).flatten().to(torch::kDouble));
    const auto z = torch::stack(latents);
    const auto mean = z.mean(0);
    int checked = 0;
    for (size_t c = 0; c < data.classes.size(); ++c) {
      std::vector<torch::Tensor> members;
      for (int64_t i = 0; i < n; ++i)
        if (data.labels[size_t(i)] == int64_t(c)) members.push_back(z[i]);
      if (members.empty()) continue;
      const auto want = torch::stack(members).mean(0) - mean;
      const auto& got = set.directions[size_t(checked)];
      QCOMPARE(got.name, "more " + data.classes[c]);
      QVERIFY2((got.direction.flatten().to(torch::kDouble) - want).abs().max().item<double>() < 1e-4, got.name.c_str());
      ++checked;
    }
    QCOMPARE(checked, 10);
    const auto pair = classToClass(set, 5, 7);  // Sandal -> Sneaker
    QVERIFY((pair.direction.flatten().to(torch::kDouble) - (set.classMeans[7] - set.classMeans[5])).abs().max().item<double>() < 1e-5);

    // Principal directions: orthogonal, largest first, and the data's variance along each (computed
    // here from the projections) is what the set reports.
    std::vector<torch::Tensor> units;
    for (size_t k = 0; k < 4; ++k) {
      const auto d = set.directions[size_t(checked) + k].direction.flatten().to(torch::kDouble);
      const double variance = set.principalVariances[k];
      const auto unit = d / std::sqrt(variance);
      QVERIFY(std::abs(unit.norm().item<double>() - 1) < 1e-5);
      const auto projection = (z - mean).mv(unit);
      const double measured = projection.pow(2).sum().item<double>() / double(n - 1);
      QVERIFY2(std::abs(measured - variance) < 1e-4 * variance, qPrintable(QString("%1 vs %2").arg(measured).arg(variance)));
      if (k > 0) QVERIFY(variance <= set.principalVariances[k - 1]);
      for (const auto& u : units) QVERIFY(std::abs(u.dot(unit).item<double>()) < 1e-5);
      units.push_back(unit);
    }
  }

  // Moving by 0 gives every image back exactly; moving by 1 along a class direction changes it.
  void movingByZeroReturnsTheImage() {
    RandomScope rng(42);
    auto model = loadModel(kBundled).model;
    const auto data = loadDataset(kFashionTest, 100);
    const auto set = computeLatentDirections(model, data.images, data.labels, data.classes, 2, 100);
    for (int64_t i = 0; i < 5; ++i) {
      const auto still = moveAlong(model, data.images[i], set.directions[0].direction, 0.0);
      const auto want = data.images[i].contiguous();
      QVERIFY2(std::equal(still.data.begin(), still.data.end(), want.data_ptr<uint8_t>()), "moving by 0 changed the image");
      const auto moved = moveAlong(model, data.images[i], set.directions[0].direction, 1.0);
      QVERIFY(!std::equal(moved.data.begin(), moved.data.end(), want.data_ptr<uint8_t>()));
    }
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, moveAlong(model, data.images[0], set.directions[0].direction, NAN));
  }
};

FLOWPP_TEST_GUILESS_MAIN(TestLatentDirections)
#include "test_latent_directions.moc"
