#include "TrainingRun.h"

#include <QDir>
#include <QFileInfo>
#include <QObject>

#include "model/ModelConfig.h"

namespace flowpp::ui {

TrainingRun TrainingRun::load(const QString& dir, QString* error) {
  TrainingRun run;
  run.dir = dir;
  run.name = QFileInfo(dir).fileName();
  try {
    if (QFileInfo(QDir(dir).filePath("config.json")).isReadable())
      run.config = QString::fromStdString(ModelConfig::load(QDir(dir).filePath("config.json").toStdString()).summary());
  } catch (const std::exception&) {
    // an unreadable config leaves the summary empty; the metrics are what the run list needs
  }
  if (!run.follow() && error) {
    if (!QFileInfo(QDir(dir).filePath("metrics.jsonl")).isReadable()) *error = QObject::tr("%1 has no readable metrics.jsonl").arg(dir);
    else *error = QObject::tr("%1: metrics.jsonl has no metrics lines").arg(dir);
  }
  return run;
}

bool TrainingRun::follow() {
  const QString path = QDir(dir).filePath("metrics.jsonl");
  const QFileInfo info(path);
  if (!info.exists()) return false;
  if (info.size() < readOffset) {  // rewritten (a resume truncates the lines after its checkpoint)
    log = MetricsLog{};
    readOffset = 0;
  }
  if (info.size() == readOffset) return false;
  const auto before = log.points.size() + log.events.size();
  const auto next = log.readFrom(path.toStdString(), readOffset);
  if (next >= 0) readOffset = next;
  return log.points.size() + log.events.size() != before;
}

}  // namespace flowpp::ui
