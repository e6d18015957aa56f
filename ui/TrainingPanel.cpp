#include "TrainingPanel.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDir>
#include <QFileDialog>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QPushButton>
#include <QSlider>
#include <QSpinBox>
#include <QStandardPaths>
#include <QTableWidget>
#include <QVBoxLayout>

#include "CurveChart.h"
#include "Paths.h"
#include "PixelView.h"
#include "model/Checkpoint.h"
#include "train/Ablations.h"

namespace flowpp::ui {

namespace {
const char* kFashionTrain = "/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz";
const char* kFashionTest = "/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz";
}  // namespace

TrainingPanel::TrainingPanel(QWidget* parent) : QWidget(parent) {
  config_ = new QComboBox;
  for (const auto& f : QDir(modelsDirectory()).entryInfoList({"fmnist-*.json", "*.json"}, QDir::Files, QDir::Name))
    if (config_->findData(f.absoluteFilePath()) < 0) config_->addItem(f.completeBaseName(), f.absoluteFilePath());
  config_->setCurrentIndex(std::max(0, config_->findText("fmnist-small")));
  config_->setToolTip(tr("Model config from models/; the fields below override it"));
  filters_ = new QSpinBox;
  filters_->setRange(4, 512);
  filters_->setToolTip(tr("Hidden channels of every coupling's conditioning network"));
  blocks_ = new QSpinBox;
  blocks_->setRange(0, 32);
  blocks_->setToolTip(tr("Conv-attention blocks per coupling"));
  components_ = new QSpinBox;
  components_->setRange(1, 64);
  components_->setToolTip(tr("K: logistic mixture components of the CDF coupling"));
  attention_ = new QComboBox;
  attention_->addItems({"self", "none", "pointwise"});
  attention_->setToolTip(tr("self: multi-head self-attention; none: convolutions only; pointwise: the official "
                            "ablation's same-size maxout MLP. Per-stage settings of the config are kept."));
  dequant_ = new QComboBox;
  dequant_->addItems({"variational", "uniform"});
  dequant_->setToolTip(tr("Variational: learned q(u|x) (Flow++); uniform: u ~ U[0,1) (the ablation)"));
  coupling_ = new QComboBox;
  coupling_->addItems({"mixlogistic", "affine"});
  coupling_->setToolTip(tr("Logistic-mixture CDF coupling (Flow++) or affine coupling (RealNVP/Glow, the ablation)"));
  trainData_ = new QLineEdit(QFile::exists(kFashionTrain) ? kFashionTrain : "");
  testData_ = new QLineEdit(QFile::exists(kFashionTest) ? kFashionTest : "");
  runDir_ = new QLineEdit(QStandardPaths::writableLocation(QStandardPaths::AppLocalDataLocation) + "/runs/run");
  minutes_ = new QSpinBox;
  minutes_->setRange(1, 100000);
  minutes_->setValue(10);
  minutes_->setSuffix(tr(" min"));
  start_ = new QPushButton(tr("Start"));
  start_->setToolTip(tr("Start a new run in the run folder (same trainer as `flowpp train`)"));
  pause_ = new QPushButton(tr("Pause"));
  pause_->setToolTip(tr("Checkpoint and stop; Resume continues exactly from that step"));
  resume_ = new QPushButton(tr("Resume"));
  stop_ = new QPushButton(tr("Stop"));
  ablations_ = new QPushButton(tr("Run ablations"));
  ablations_->setToolTip(tr("Queue the four variants of the paper's Table 2 — full, uniform dequantization, affine "
                            "coupling, no attention — each widened to the full model's parameter count"));
  auto* load = new QPushButton(tr("Load run…"));
  load->setToolTip(tr("Add the curves of a run folder (its metrics.jsonl), e.g. one trained on a GPU server"));
  status_ = new QLabel(tr("Idle"));
  status_->setWordWrap(true);

  chart_ = new CurveChart;
  chart_->setRuns(&runs_);
  xAxis_ = new QComboBox;
  xAxis_->addItems({tr("steps"), tr("epochs"), tr("wall time")});
  logX_ = new QCheckBox(tr("log x"));
  smoothing_ = new QSlider(Qt::Horizontal);
  smoothing_->setRange(0, 95);
  smoothing_->setValue(60);
  smoothing_->setToolTip(tr("Smoothing of the train curve (EMA weight); the raw points stay visible"));
  auto* exportPng = new QPushButton(tr("PNG…"));
  auto* exportCsv = new QPushButton(tr("CSV…"));
  table_ = new QTableWidget(0, 5);
  table_->setHorizontalHeaderLabels({tr("run"), tr("parameters"), tr("final test bpd"), tr("best test bpd"), tr("Δ vs full")});
  table_->horizontalHeader()->setSectionResizeMode(QHeaderView::Stretch);
  table_->setEditTriggers(QAbstractItemView::NoEditTriggers);
  samples_ = new PixelView;
  samples_->setToolTip(tr("Samples from the EMA weights, saved every so often during training"));
  samplesSlider_ = new QSlider(Qt::Horizontal);
  samplesSlider_->setToolTip(tr("Scrub through the saved sample grids to see how samples evolved"));
  samplesLabel_ = new QLabel;

  auto* form = new QFormLayout;
  form->addRow(tr("Config"), config_);
  form->addRow(tr("Filters"), filters_);
  form->addRow(tr("Blocks"), blocks_);
  form->addRow(tr("Components K"), components_);
  form->addRow(tr("Attention"), attention_);
  form->addRow(tr("Dequantizer"), dequant_);
  form->addRow(tr("Coupling"), coupling_);
  form->addRow(tr("Train data"), trainData_);
  form->addRow(tr("Test data"), testData_);
  form->addRow(tr("Run folder"), runDir_);
  form->addRow(tr("Budget"), minutes_);
  auto* buttons = new QGridLayout;
  buttons->addWidget(start_, 0, 0);
  buttons->addWidget(pause_, 0, 1);
  buttons->addWidget(resume_, 1, 0);
  buttons->addWidget(stop_, 1, 1);
  buttons->addWidget(ablations_, 2, 0);
  buttons->addWidget(load, 2, 1);
  auto* left = new QVBoxLayout;
  left->addLayout(form);
  left->addLayout(buttons);
  left->addWidget(status_);
  left->addWidget(samples_, 1);
  left->addWidget(samplesSlider_);
  left->addWidget(samplesLabel_);
  auto* chartControls = new QHBoxLayout;
  chartControls->addWidget(new QLabel(tr("x:")));
  chartControls->addWidget(xAxis_);
  chartControls->addWidget(logX_);
  chartControls->addWidget(new QLabel(tr("smoothing")));
  chartControls->addWidget(smoothing_);
  chartControls->addWidget(exportPng);
  chartControls->addWidget(exportCsv);
  auto* right = new QVBoxLayout;
  right->addWidget(chart_, 3);
  right->addLayout(chartControls);
  right->addWidget(table_, 1);
  auto* layout = new QHBoxLayout(this);
  layout->addLayout(left, 1);
  layout->addLayout(right, 3);

  auto fillFromConfig = [this] {
    try {
      auto c = ModelConfig::load(config_->currentData().toString().toStdString());
      filters_->setValue(c.flow.filters);
      blocks_->setValue(c.flow.blocks);
      components_->setValue(std::max(1, c.flow.components));
      attention_->setCurrentText(QString::fromStdString(toString(c.flow.attention)));
      dequant_->setCurrentText(QString::fromStdString(c.dequantizer.type));
      coupling_->setCurrentText(QString::fromStdString(c.flow.coupling));
    } catch (const std::exception& e) {
      status_->setText(tr("Config error: %1").arg(e.what()));
    }
  };
  connect(config_, &QComboBox::currentIndexChanged, this, fillFromConfig);
  fillFromConfig();
  connect(start_, &QPushButton::clicked, this, &TrainingPanel::start);
  connect(pause_, &QPushButton::clicked, this, &TrainingPanel::pause);
  connect(resume_, &QPushButton::clicked, this, &TrainingPanel::resume);
  connect(stop_, &QPushButton::clicked, this, &TrainingPanel::stop);
  connect(ablations_, &QPushButton::clicked, this, &TrainingPanel::runAblations);
  connect(load, &QPushButton::clicked, this, &TrainingPanel::chooseRunToLoad);
  connect(xAxis_, &QComboBox::currentIndexChanged, this, [this](int i) { chart_->setXAxis(CurveChart::XAxis(i)); });
  connect(logX_, &QCheckBox::toggled, chart_, &CurveChart::setLogX);
  connect(smoothing_, &QSlider::valueChanged, this, [this](int v) { chart_->setSmoothing(v / 100.0); });
  connect(exportPng, &QPushButton::clicked, this, [this] {
    const QString p = QFileDialog::getSaveFileName(this, tr("Export chart"), "curves.png", tr("PNG images (*.png)"));
    if (!p.isEmpty()) chart_->grab().save(p, "PNG");
  });
  connect(exportCsv, &QPushButton::clicked, this, [this] {
    const QString p = QFileDialog::getSaveFileName(this, tr("Export curves"), "curves.csv", tr("CSV files (*.csv)"));
    if (!p.isEmpty()) chart_->exportCsv(p);
  });
  connect(samplesSlider_, &QSlider::valueChanged, this, &TrainingPanel::updateSamples);
  poll_.setInterval(40);  // GUI redraws at most every 40 ms
  connect(&poll_, &QTimer::timeout, this, &TrainingPanel::poll);
  pause_->setEnabled(false);
  stop_->setEnabled(false);
  loadBundledAblations();
}

TrainingPanel::~TrainingPanel() {
  if (worker_) {
    worker_->stop();
    worker_->wait();
  }
}

ModelConfig TrainingPanel::currentConfig() const {
  auto c = ModelConfig::load(config_->currentData().toString().toStdString());
  c.flow.filters = filters_->value();
  c.flow.blocks = blocks_->value();
  c.flow.components = components_->value();
  const auto attention = attentionFromString(attention_->currentText().toStdString());
  if (attention != c.flow.attention) {
    c.flow.attention = attention;
    for (auto& s : c.flow.stages) s.attention.reset();
  }
  c.dequantizer.type = dequant_->currentText().toStdString();
  c.flow.coupling = coupling_->currentText().toStdString();
  return c;
}

void TrainingPanel::setTrainData(const QString& path) { trainData_->setText(path); }
void TrainingPanel::setRunFolder(const QString& path) { runDir_->setText(path); }
void TrainingPanel::setSteps(int steps) { steps_ = steps; }
bool TrainingPanel::isRunning() const { return worker_ && worker_->isRunning(); }

TrainingJob TrainingPanel::jobFor(const QString& name, const ModelConfig& config, bool resume) const {
  TrainingJob job;
  job.name = name;
  job.config = config;
  job.trainData = trainData_->text();
  job.testData = testData_->text();
  job.options.runDir = name == QFileInfo(runDir_->text()).fileName() ? runDir_->text().toStdString()
                                                                     : (runDir_->text() + "-" + name).toStdString();
  job.options.minutes = steps_ > 0 ? 0 : minutes_->value();
  job.options.steps = steps_;
  job.options.resume = resume;
  job.options.logEvery = steps_ > 0 ? 1 : 10;
  job.options.evalEvery = steps_ > 0 ? 0 : 100;
  job.options.evalImages = 500;
  job.options.checkpointEvery = steps_ > 0 ? 5 : 100;
  job.options.sampleEvery = steps_ > 0 ? 5 : 100;
  job.options.device = torch::cuda::is_available() ? "cuda" : "cpu";
  return job;
}

void TrainingPanel::launch(const QVector<TrainingJob>& jobs) {
  if (isRunning()) return;
  for (const auto& job : jobs) {
    if (!job.options.resume) runs_.erase(std::remove_if(runs_.begin(), runs_.end(), [&](const TrainingRun& r) { return r.name == job.name; }), runs_.end());
    if (!runNamed(job.name)) {
      TrainingRun run;
      run.name = job.name;
      run.dir = QString::fromStdString(job.options.runDir);
      runs_.push_back(run);
    }
    runNamed(job.name)->live = true;
    if (job.options.resume) {  // the trainer rewrites the metrics after the checkpoint; reload them
      auto reloaded = TrainingRun::load(runNamed(job.name)->dir);
      runNamed(job.name)->points = reloaded.points;
    }
  }
  lastJobs_ = jobs;
  delete worker_;
  worker_ = new TrainingWorker(this);
  worker_->setJobs(jobs);
  connect(worker_, &TrainingWorker::jobFailed, this, [this](const QString& name, const QString& msg) {
    status_->setText(tr("Run %1 failed: %2").arg(name, msg));
  });
  connect(worker_, &QThread::finished, this, [this] {
    poll();
    poll_.stop();
    for (auto& r : runs_) r.live = false;
    start_->setEnabled(true), ablations_->setEnabled(true), resume_->setEnabled(true);
    pause_->setEnabled(false), stop_->setEnabled(false);
    const QString why = worker_->divergence();
    if (!why.isEmpty()) {
      status_->setText(tr("Paused: %1").arg(why));
      Q_EMIT diverged(why);
      if (!qEnvironmentVariableIsSet("FLOWPP_NO_DIALOGS") &&
          QMessageBox::question(this, tr("Training paused"),
                                tr("%1\n\nResume from the last good checkpoint?").arg(why)) == QMessageBox::Yes)
        resume();
    } else if (!status_->text().endsWith(tr(" — stopped"))) {
      status_->setText(status_->text() + tr(" — stopped"));
    }
    Q_EMIT runFinished();
  });
  start_->setEnabled(false), ablations_->setEnabled(false), resume_->setEnabled(false);
  pause_->setEnabled(true), stop_->setEnabled(true);
  status_->setText(tr("Loading data…"));
  sessionClock_.start();
  worker_->start();
  poll_.start();
}

void TrainingPanel::start() {
  try {
    launch({jobFor(QFileInfo(runDir_->text()).fileName(), currentConfig(), false)});
  } catch (const std::exception& e) {
    status_->setText(tr("Cannot start: %1").arg(e.what()));
  }
}

void TrainingPanel::pause() {
  if (worker_) worker_->stop();
  status_->setText(tr("Pausing: saving a checkpoint…"));
}

void TrainingPanel::resume() {
  if (lastJobs_.isEmpty()) lastJobs_ = {jobFor(QFileInfo(runDir_->text()).fileName(), currentConfig(), true)};
  QVector<TrainingJob> jobs;
  for (auto job : lastJobs_) {
    if (newestCheckpointIn(job.options.runDir).empty()) continue;
    job.options.resume = true;
    if (job.options.minutes > 0) job.options.minutes = minutes_->value();
    jobs.push_back(job);
  }
  if (jobs.isEmpty()) {
    status_->setText(tr("Nothing to resume: the run folder has no checkpoint"));
    return;
  }
  launch(jobs);
}

void TrainingPanel::stop() {
  if (worker_) worker_->stop();
  lastJobs_.clear();
}

QVector<TrainingJob> TrainingPanel::ablationJobs() const {
  QVector<TrainingJob> jobs;
  for (const auto& v : ablationVariants(currentConfig())) jobs.push_back(jobFor(QString::fromStdString(v.name), v.config, false));
  return jobs;
}

void TrainingPanel::runAblations() {
  try {
    status_->setText(tr("Matching parameter counts…"));
    launch(ablationJobs());
  } catch (const std::exception& e) {
    status_->setText(tr("Cannot start the ablations: %1").arg(e.what()));
  }
}

TrainingRun* TrainingPanel::runNamed(const QString& name) {
  for (auto& r : runs_)
    if (r.name == name) return &r;
  return nullptr;
}

void TrainingPanel::poll() {
  if (!worker_) return;
  const auto lines = worker_->drain();
  if (lines.isEmpty()) return;
  for (const auto& [name, line] : lines) {
    auto* run = runNamed(name);
    if (run) run->addLine(line);
  }
  const auto& [name, lastLine] = lines.back();
  if (auto* run = runNamed(name); run && !run->points.isEmpty()) {
    const auto& p = run->points.back();
    // ETA from the budget: minutes of this session, or the remaining steps at the current rate.
    double etaSeconds = 0;
    const auto& job = lastJobs_.isEmpty() ? TrainingJob{} : lastJobs_.front();
    if (job.options.steps > 0 && p.imagesPerSec > 0)
      etaSeconds = (job.options.steps - p.step) * job.config.training.batchSize / p.imagesPerSec;
    else if (job.options.minutes > 0)
      etaSeconds = std::max(0.0, job.options.minutes * 60 - sessionClock_.elapsed() / 1000.0);
    status_->setText(tr("%1 · step %2 · train %3 · test %4 bits/dim · lr %5 · %6 images/s · ETA %7 min")
                         .arg(name)
                         .arg(p.step)
                         .arg(p.train, 0, 'f', 3)
                         .arg(qIsNaN(run->finalTest()) ? tr("–") : QString::number(run->finalTest(), 'f', 3))
                         .arg(p.lr, 0, 'g', 3)
                         .arg(p.imagesPerSec, 0, 'f', 0)
                         .arg(etaSeconds / 60.0, 0, 'f', 1));
  }
  chart_->scheduleRedraw();
  updateTable();
  updateSamples();
  Q_EMIT metricsArrived();
}

void TrainingPanel::updateTable() {
  table_->setRowCount(runs_.size());
  double full = qQNaN();
  for (const auto& r : runs_)
    if (r.name == "full" || r.name.endsWith("fmnist-small")) full = r.finalTest();
  for (int i = 0; i < runs_.size(); ++i) {
    const auto& r = runs_[i];
    const double fin = r.finalTest(), best = r.bestTest();
    const QStringList cells = {r.name, QLocale().toString(r.parameters), qIsNaN(fin) ? "–" : QString::number(fin, 'f', 3),
                               qIsNaN(best) ? "–" : QString::number(best, 'f', 3),
                               qIsNaN(fin) || qIsNaN(full) ? "–" : QString("%1%2").arg(fin >= full ? "+" : "").arg(fin - full, 0, 'f', 3)};
    for (int c = 0; c < cells.size(); ++c) table_->setItem(i, c, new QTableWidgetItem(cells[c]));
  }
}

void TrainingPanel::updateSamples() {
  const TrainingRun* live = nullptr;
  for (const auto& r : runs_)
    if (r.live || !live) live = &r;
  if (!live) return;
  const auto files = QDir(live->dir + "/samples").entryInfoList({"step-*.png"}, QDir::Files, QDir::Name);
  if (files.isEmpty()) return;
  const bool atEnd = samplesSlider_->value() == samplesSlider_->maximum();
  {
    const QSignalBlocker block(samplesSlider_);
    samplesSlider_->setRange(0, files.size() - 1);
    if (atEnd) samplesSlider_->setValue(files.size() - 1);
  }
  const auto& f = files[std::clamp(samplesSlider_->value(), 0, static_cast<int>(files.size()) - 1)];
  samples_->setImage(QImage(f.absoluteFilePath()));
  samplesLabel_->setText(tr("%1: samples at %2").arg(live->name, f.completeBaseName()));
}

QString TrainingPanel::loadRun(const QString& dir) {
  int skipped = 0;
  QString error;
  auto run = TrainingRun::load(dir, &skipped, &error);
  if (run.points.isEmpty()) return error.isEmpty() ? tr("%1: no metrics").arg(dir) : error;
  runs_.erase(std::remove_if(runs_.begin(), runs_.end(), [&](const TrainingRun& r) { return r.name == run.name; }), runs_.end());
  runs_.push_back(run);
  chart_->scheduleRedraw();
  updateTable();
  return skipped > 0 ? tr("%1: skipped %2 unreadable lines").arg(dir).arg(skipped) : QString();
}

void TrainingPanel::chooseRunToLoad() {
  const QString dir = QFileDialog::getExistingDirectory(this, tr("Run folder (with metrics.jsonl)"));
  if (dir.isEmpty()) return;
  const QString message = loadRun(dir);
  status_->setText(message.isEmpty() ? tr("Loaded %1").arg(dir) : message);
}

void TrainingPanel::loadBundledAblations() {
  for (const auto& d : QDir(modelsDirectory() + "/ablations").entryInfoList(QDir::Dirs | QDir::NoDotAndDotDot, QDir::Name)) loadRun(d.absoluteFilePath());
}

bool TrainingPanel::confirmClose() {
  if (!isRunning()) return true;
  if (!qEnvironmentVariableIsSet("FLOWPP_NO_DIALOGS") &&
      QMessageBox::question(this, tr("Training in progress"),
                            tr("A training run is in progress. Save a checkpoint and stop it? (Resume it later from the "
                               "Training tab or with `flowpp train --resume`.)")) != QMessageBox::Yes)
    return false;
  worker_->stop();
  worker_->wait();
  return true;
}

}  // namespace flowpp::ui
