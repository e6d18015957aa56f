#pragma once
// Reading training runs back in tests: the raw weights of a run's newest checkpoint, bitwise
// comparison, and a small IDX file of Fashion-MNIST test images for runs to train on.
#include <QFile>
#include <QString>

#include <torch/torch.h>

#include "CliRunner.h"
#include "data/Dataset.h"
#include "model/Checkpoint.h"
#include "train/RunFolder.h"

namespace flowpp::test {

// The trained parameters ("param/…") of the newest checkpoint in a run folder.
inline TensorMap rawWeights(const QString& run) {
  TensorMap out;
  for (const auto& [name, t] : readCheckpoint(newestCheckpoint(run.toStdString())).train)
    if (name.rfind("param/", 0) == 0) out[name] = t;
  return out;
}

inline bool identical(const TensorMap& a, const TensorMap& b) {
  if (a.size() != b.size()) return false;
  for (const auto& [name, t] : a)
    if (!torch::equal(t, b.at(name))) return false;
  return true;
}

// The first n Fashion-MNIST test images as an IDX file at `path` (written once).
inline QString fashionSubset(const QString& path, int n) {
  if (!QFile::exists(path)) {
    auto d = loadDataset(fashionTest().toStdString(), n);
    writeFashionIdx(path, n, std::string(reinterpret_cast<const char*>(d.images.data_ptr<uint8_t>()), d.images.numel()));
  }
  return path;
}

}  // namespace flowpp::test
