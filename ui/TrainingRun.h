#pragma once
// One training run as the panel shows it: its metrics (read from metrics.jsonl, streamed live, or
// followed while another process writes them) and where it lives.
#include <QString>

#include <cmath>
#include <QStringList>

#include "train/MetricsLog.h"

namespace flowpp::ui {

struct TrainingRun {
  QString name, dir;
  // Runs of one comparison (an ablation queue, or the bundled ablations) share a group; within it
  // `variant` names the ablation ("full", "uniform-dequant", "affine", "no-attention").
  QString group, variant;
  MetricsLog log;
  bool live = false;      // being trained by this studio
  bool followed = false;  // loaded from a folder that may still grow (another process trains it)
  bool visible = true;    // shown in the chart (toggled from the legend or the run list)
  bool filteredOut = false;  // hidden by the run list's filter (chart and list)
  int colour = -1;        // CurveChart::runColour index, given once per run and never reused
  QString config;         // ModelConfig::summary() of its config.json ("" when unknown)
  int64_t readOffset = 0;  // how far metrics.jsonl has been read (for following a growing file)

  const std::vector<MetricPoint>& points() const { return log.points; }
  qint64 parameters() const { return log.parameters; }
  double finalTest() const { return log.finalTest(); }
  double finalTestSe() const { return log.finalTestSe(); }
  double bestTest() const { return log.bestTest(); }
  // The run's length: the checkpoint step of its end event, else its last logged step (NaN: none).
  double steps() const { return !std::isnan(log.endStep) ? log.endStep : points().empty() ? NAN : points().back().step; }
  bool addLine(const QByteArray& line) { return log.addLine(line.toStdString()); }
  bool shown() const { return visible && !filteredOut; }
  int colourIndex(int position) const { return colour >= 0 ? colour : position; }  // position: in the run list
  // Reads RUN_DIR/metrics.jsonl (and config.json for the summary); *error says why nothing could be read.
  static TrainingRun load(const QString& dir, QString* error = nullptr);
  // Reads what was appended since the last read (starting over if the file was rewritten, as a
  // resume does); returns true when something changed.
  bool follow();
};

}  // namespace flowpp::ui
