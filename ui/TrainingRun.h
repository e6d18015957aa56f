#pragma once
// One training run as the panel shows it: its metrics (from metrics.jsonl or streamed live).
#include <QString>
#include <QStringList>
#include <QVector>

namespace flowpp::ui {

struct MetricPoint {
  double step = 0, epoch = 0, wall = 0;
  double train = qQNaN(), test = qQNaN();
  double lr = 0, imagesPerSec = 0;
};

struct TrainingRun {
  QString name, dir;
  qint64 parameters = 0;
  QVector<MetricPoint> points;
  QStringList events;
  bool live = false;

  double finalTest() const;
  double bestTest() const;
  // Appends one metrics JSON line; returns false (and leaves the run unchanged) for a bad line.
  bool addLine(const QByteArray& line);
  // Reads RUN_DIR/metrics.jsonl; bad lines are skipped and counted in `skipped`.
  static TrainingRun load(const QString& dir, int* skipped = nullptr, QString* error = nullptr);
};

}  // namespace flowpp::ui
