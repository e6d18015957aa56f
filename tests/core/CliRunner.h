#pragma once
// Running the real `flowpp` program from tests, and the small inputs those runs need.
#include <QDir>
#include <QProcess>
#include <QString>
#include <QStringList>

#include <fstream>

#include <nlohmann/json.hpp>

namespace flowpp::test {

struct CliResult {
  int code = -1;
  QString out, err;
  bool timedOut = false;
};

inline QString flowppPath() { return QString(FLOWPP_BINARY_DIR) + "/app/flowpp"; }
inline QString modelsDir() { return QString(FLOWPP_SOURCE_DIR) + "/models"; }
inline QString fashionTest() { return "/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz"; }

inline CliResult runFlowpp(const QStringList& args, int timeoutMs = 300000,
                           const QProcessEnvironment& env = QProcessEnvironment::systemEnvironment()) {
  QProcess p;
  p.setProcessEnvironment(env);
  p.start(flowppPath(), args);
  CliResult r;
  r.timedOut = !p.waitForFinished(timeoutMs);
  if (r.timedOut) p.kill(), p.waitForFinished(5000);
  r.code = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
  r.out = QString::fromUtf8(p.readAllStandardOutput());
  r.err = QString::fromUtf8(p.readAllStandardError());
  return r;
}

// An IDX images file of `n` 28x28 images (the first n of the Fashion-MNIST test set).
inline QString writeFashionIdx(const QString& path, int n, const std::string& pixels) {
  std::ofstream out(path.toStdString(), std::ios::binary);
  const unsigned char header[16] = {0, 0, 8, 3, uint8_t(n >> 24), uint8_t(n >> 16), uint8_t(n >> 8), uint8_t(n), 0, 0, 0, 28, 0, 0, 0, 28};
  out.write(reinterpret_cast<const char*>(header), 16);
  out.write(pixels.data(), std::streamsize(std::min<size_t>(pixels.size(), size_t(n) * 784)));
  return path;
}

// A config from models/<base>.json with `patch` merged in (RFC 7386), written to `path`.
inline QString writeConfig(const QString& path, const nlohmann::json& patch, const QString& base = "fmnist-tiny") {
  std::ifstream in((modelsDir() + "/" + base + ".json").toStdString());
  auto j = nlohmann::json::parse(in);
  j.merge_patch(patch);
  std::ofstream(path.toStdString()) << j.dump(2);
  return path;
}

}  // namespace flowpp::test
