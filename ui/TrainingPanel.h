#pragma once
// Training panel: start, pause, resume and stop runs of the project's trainer; live curves; a grid
// of EMA samples with a slider over the saved grids; the paper's four-way ablation; a run manager
// (RunTable) comparing any runs; runs loaded from folders, followed while another process (a GPU
// server, a distributed run) still writes them.
#include <QElapsedTimer>
#include <QTimer>
#include <QWidget>

#include "TrainingRun.h"
#include "TrainingWorker.h"

class QCheckBox;
class QComboBox;
class QLabel;
class QPushButton;
class QSlider;
class QTableWidget;

namespace flowpp::ui {

class CurveChart;
class PixelView;
class RunTable;
class TrainingForm;

class TrainingPanel : public QWidget {
  Q_OBJECT
 public:
  explicit TrainingPanel(QWidget* parent = nullptr);
  ~TrainingPanel() override;

  ModelConfig currentConfig() const;  // the form's config; throws ConfigError
  TrainingForm* form() const { return form_; }
  void setTrainData(const QString& path);
  void setRunFolder(const QString& path);
  void setSteps(int steps);  // > 0: a step budget instead of minutes (tests, quick runs)
  bool isRunning() const;
  const QVector<TrainingRun>& runs() const { return runs_; }
  CurveChart* chart() const { return chart_; }
  QTableWidget* table() const;  // the run manager's table (RunTable::Column)
  RunTable* runTable() const { return runTable_; }
  QString verdict() const;  // the "too short to order" line under the table, empty when hidden
  QString statusText() const;
  QString samplesCaption() const;
  // Asks before closing while a run is active; stops it (with a checkpoint) when the user agrees.
  bool confirmClose();
  // Loads a run folder's metrics and keeps following the file; returns an error message ("" on success).
  // With a group, the run joins that comparison as `variant` ("full" is the one the others compare with).
  QString loadRun(const QString& dir, const QString& group = {}, const QString& variant = {});
  // The four ablation jobs of the current config (what "Run ablations" queues) under `base`.
  QVector<TrainingJob> ablationJobs(const QString& base) const;

 public Q_SLOTS:
  void start();
  void pause();
  void resume();
  void stop();
  void runAblations();
  void chooseRunToLoad();

 Q_SIGNALS:
  void metricsArrived();
  void runFinished();
  void diverged(const QString& message);

 private:
  QWidget* buildButtons();
  void launch(const QVector<TrainingJob>& jobs, const QString& group);
  TrainingJob jobFor(const QString& name, const ModelConfig& config, const QString& dir, bool resume) const;
  QString freshFolderFor(const QString& dir);  // asks (or, without dialogs, decides) when dir holds a run
  void poll();
  void followLoadedRuns();
  void finished();
  void updateStatus(const TrainingRun& run);
  void updateTable();
  void updateSamples();
  TrainingRun* runNamed(const QString& name);
  void addRun(TrainingRun run);
  void loadBundledAblations();

  TrainingWorker* worker_ = nullptr;
  QVector<TrainingRun> runs_;
  QVector<TrainingJob> lastJobs_;
  QString lastGroup_;
  QTimer poll_, follow_;
  TrainingForm* form_;
  QPushButton *start_, *pause_, *resume_, *stop_, *ablations_;
  QLabel *status_, *samplesLabel_;
  CurveChart* chart_;
  QSlider* samplesSlider_;
  RunTable* runTable_;
  PixelView* samples_;
  QString previewRun_;  // whose samples the preview shows
  int steps_ = 0;
  int nextColour_ = 0;
  bool pausing_ = false;
  QElapsedTimer sessionClock_;
};

}  // namespace flowpp::ui
