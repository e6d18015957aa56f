#pragma once
// Training panel: start, pause, resume and stop runs of the project's trainer; live curves, a live
// grid of EMA samples with a slider over the saved grids; the paper's four-way ablation with a
// Table-2-style comparison; runs loaded from folders (e.g. trained elsewhere with `flowpp train`).
#include <QElapsedTimer>
#include <QTimer>
#include <QWidget>

#include "TrainingRun.h"
#include "TrainingWorker.h"

class QCheckBox;
class QComboBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QSlider;
class QSpinBox;
class QDoubleSpinBox;
class QTableWidget;

namespace flowpp::ui {

class CurveChart;
class PixelView;

class TrainingPanel : public QWidget {
  Q_OBJECT
 public:
  explicit TrainingPanel(QWidget* parent = nullptr);
  ~TrainingPanel() override;

  // The config the form describes: the chosen file with the form's overrides.
  ModelConfig currentConfig() const;
  void setTrainData(const QString& path);
  void setRunFolder(const QString& path);
  void setSteps(int steps);  // > 0: a step budget instead of minutes (tests, quick runs)
  bool isRunning() const;
  const QVector<TrainingRun>& runs() const { return runs_; }
  CurveChart* chart() const { return chart_; }
  QTableWidget* table() const { return table_; }
  // Asks before closing while a run is active; stops it (with a checkpoint) when the user agrees.
  bool confirmClose();
  // Loads a run folder's metrics; returns an error message (empty on success).
  QString loadRun(const QString& dir);
  // The four ablation jobs of the current config (what "Run ablations" queues).
  QVector<TrainingJob> ablationJobs() const;

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
  void launch(const QVector<TrainingJob>& jobs);
  TrainingJob jobFor(const QString& name, const ModelConfig& config, bool resume) const;
  void poll();
  void updateTable();
  void updateSamples();
  TrainingRun* runNamed(const QString& name);
  void loadBundledAblations();

  TrainingWorker* worker_ = nullptr;
  QVector<TrainingRun> runs_;
  QVector<TrainingJob> lastJobs_;
  QTimer poll_;
  QComboBox *config_, *attention_, *dequant_, *coupling_, *xAxis_;
  QSpinBox *filters_, *blocks_, *components_, *minutes_;
  QLineEdit *trainData_, *testData_, *runDir_;
  QPushButton *start_, *pause_, *resume_, *stop_, *ablations_;
  QLabel *status_, *samplesLabel_;
  CurveChart* chart_;
  QCheckBox* logX_;
  QSlider *smoothing_, *samplesSlider_;
  QTableWidget* table_;
  PixelView* samples_;
  int steps_ = 0;
  QElapsedTimer sessionClock_;
};

}  // namespace flowpp::ui
