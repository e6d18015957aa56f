#include "TrainingRun.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>

namespace flowpp::ui {

double TrainingRun::finalTest() const {
  for (auto it = points.rbegin(); it != points.rend(); ++it)
    if (!qIsNaN(it->test)) return it->test;
  return qQNaN();
}

double TrainingRun::bestTest() const {
  double best = qQNaN();
  for (const auto& p : points)
    if (!qIsNaN(p.test) && (qIsNaN(best) || p.test < best)) best = p.test;
  return best;
}

bool TrainingRun::addLine(const QByteArray& line) {
  QJsonParseError err;
  const auto doc = QJsonDocument::fromJson(line, &err);
  if (err.error != QJsonParseError::NoError || !doc.isObject()) return false;
  const auto o = doc.object();
  if (o.contains("event")) {
    const QString e = o["event"].toString();
    if (e == "start") parameters = o["parameters"].toInteger();
    if (e != "start") events << QString("step %1: %2 %3").arg(o["step"].toInteger()).arg(e, o["message"].toString());
    return true;
  }
  if (!o.contains("step") || !o.contains("train_bpd")) return false;
  MetricPoint p;
  p.step = o["step"].toDouble();
  p.epoch = o["epoch"].toDouble();
  p.wall = o["wall_seconds"].toDouble();
  p.train = o["train_bpd"].toDouble();
  if (o.contains("test_bpd")) p.test = o["test_bpd"].toDouble();
  p.lr = o["lr"].toDouble();
  p.imagesPerSec = o["images_per_sec"].toDouble();
  points.push_back(p);
  return true;
}

TrainingRun TrainingRun::load(const QString& dir, int* skipped, QString* error) {
  TrainingRun run;
  run.dir = dir;
  run.name = QFileInfo(dir).fileName();
  int bad = 0;
  QFile f(QDir(dir).filePath("metrics.jsonl"));
  if (!f.open(QIODevice::ReadOnly)) {
    if (error) *error = QObject::tr("%1 has no readable metrics.jsonl").arg(dir);
  } else {
    while (!f.atEnd()) {
      const QByteArray line = f.readLine().trimmed();
      if (!line.isEmpty() && !run.addLine(line)) ++bad;
    }
    if (error && run.points.isEmpty()) *error = QObject::tr("%1: metrics.jsonl has no metrics lines").arg(dir);
  }
  if (skipped) *skipped = bad;
  return run;
}

}  // namespace flowpp::ui
