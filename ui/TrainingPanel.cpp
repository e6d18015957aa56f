#include "TrainingPanel.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QMessageBox>
#include <QPushButton>
#include <QSlider>
#include <QSplitter>
#include <QTableWidget>
#include <QVBoxLayout>

#include "ChartControls.h"
#include "CurveChart.h"
#include "Paths.h"
#include "RunTable.h"
#include "PixelView.h"
#include "TrainingForm.h"
#include "train/Ablations.h"
#include "train/RunFolder.h"

namespace flowpp::ui {

namespace {
bool dialogsAllowed() { return !qEnvironmentVariableIsSet("FLOWPP_NO_DIALOGS"); }
const char* kBundledGroup = "bundled ablations";
}  // namespace

QWidget* TrainingPanel::buildButtons() {
  start_ = new QPushButton(tr("Start"));
  start_->setToolTip(tr("Start a new run in the run folder (same trainer as `flowpp train`)"));
  pause_ = new QPushButton(tr("Pause"));
  pause_->setToolTip(tr("Checkpoint and stop; Resume continues exactly from that step"));
  resume_ = new QPushButton(tr("Resume"));
  resume_->setToolTip(tr("Continue the run in the run folder from its newest checkpoint, bit for bit"));
  stop_ = new QPushButton(tr("Stop"));
  stop_->setToolTip(tr("Checkpoint and end the run"));
  ablations_ = new QPushButton(tr("Run ablations"));
  ablations_->setToolTip(tr("Queue the four variants of the paper's Table 2 — full, uniform dequantization, affine "
                            "coupling, no attention — each widened to the full model's parameter count, same budget"));
  auto* load = new QPushButton(tr("Load run…"));
  load->setToolTip(tr("Add the curves of a run folder (its metrics.jsonl), e.g. one trained on a GPU server; the "
                      "curves keep growing while that run is still being written"));
  auto* box = new QWidget;
  auto* buttons = new QGridLayout(box);
  buttons->setContentsMargins(0, 0, 0, 0);
  buttons->addWidget(start_, 0, 0);
  buttons->addWidget(pause_, 0, 1);
  buttons->addWidget(resume_, 1, 0);
  buttons->addWidget(stop_, 1, 1);
  buttons->addWidget(ablations_, 2, 0);
  buttons->addWidget(load, 2, 1);
  connect(start_, &QPushButton::clicked, this, &TrainingPanel::start);
  connect(pause_, &QPushButton::clicked, this, &TrainingPanel::pause);
  connect(resume_, &QPushButton::clicked, this, &TrainingPanel::resume);
  connect(stop_, &QPushButton::clicked, this, &TrainingPanel::stop);
  connect(ablations_, &QPushButton::clicked, this, &TrainingPanel::runAblations);
  connect(load, &QPushButton::clicked, this, &TrainingPanel::chooseRunToLoad);
  pause_->setEnabled(false);
  stop_->setEnabled(false);
  return box;
}

TrainingPanel::TrainingPanel(QWidget* parent) : QWidget(parent) {
  form_ = new TrainingForm;
  status_ = new QLabel(tr("Idle"));
  status_->setWordWrap(true);
  chart_ = new CurveChart;
  chart_->setRuns(&runs_);
  runTable_ = new RunTable(&runs_);
  samples_ = new PixelView;
  samples_->setToolTip(tr("Samples from the EMA weights, saved every so often during training"));
  samplesSlider_ = new QSlider(Qt::Horizontal);
  samplesSlider_->setToolTip(tr("Scrub through the saved sample grids to see how samples evolved"));
  samplesLabel_ = new QLabel;
  samplesLabel_->setWordWrap(true);

  auto* left = new QVBoxLayout;
  left->addWidget(form_);
  left->addWidget(buildButtons());
  left->addWidget(status_);
  left->addWidget(samples_, 1);
  left->addWidget(samplesSlider_);
  left->addWidget(samplesLabel_);
  // Right: the chart and its controls above, the comparison table below, in a splitter the user
  // can move; the table starts with room for the four bundled runs and a few more.
  auto* chartPane = new QWidget;
  auto* chartLayout = new QVBoxLayout(chartPane);
  chartLayout->setContentsMargins(0, 0, 0, 0);
  chartLayout->addWidget(chart_, 1);
  auto* controls = new ChartControls(chart_);
  connect(controls, &ChartControls::message, status_, &QLabel::setText);
  chartLayout->addWidget(controls);
  auto* split = new QSplitter(Qt::Vertical);
  split->addWidget(chartPane);
  split->addWidget(runTable_);
  split->setChildrenCollapsible(false);
  split->setStretchFactor(0, 3);
  split->setStretchFactor(1, 1);
  auto* right = new QVBoxLayout;
  right->addWidget(split);
  auto* layout = new QHBoxLayout(this);
  layout->addLayout(left, 1);
  layout->addLayout(right, 3);

  connect(form_, &TrainingForm::message, status_, &QLabel::setText);
  connect(samplesSlider_, &QSlider::valueChanged, this, &TrainingPanel::updateSamples);
  connect(runTable_, &RunTable::selectionChanged, this, [this](const QStringList& runs) {
    if (!runs.isEmpty() && !isRunning()) previewRun_ = runs.first(), updateSamples();
  });
  connect(runTable_, &RunTable::visibilityChanged, chart_, &CurveChart::scheduleRedraw);
  connect(chart_, &CurveChart::visibilityToggled, runTable_, &RunTable::refresh);
  poll_.setInterval(40);  // GUI redraws at most every 40 ms
  connect(&poll_, &QTimer::timeout, this, &TrainingPanel::poll);
  follow_.setInterval(1000);  // loaded runs that another process still writes
  connect(&follow_, &QTimer::timeout, this, &TrainingPanel::followLoadedRuns);
  follow_.start();
  loadBundledAblations();
  updateSamples();  // says where samples will appear
}

TrainingPanel::~TrainingPanel() {
  if (worker_) {
    worker_->stop();
    worker_->wait();
  }
}

ModelConfig TrainingPanel::currentConfig() const { return form_->config(); }
void TrainingPanel::setTrainData(const QString& path) { form_->setTrainData(path); }
void TrainingPanel::setRunFolder(const QString& path) { form_->setRunFolder(path); }
void TrainingPanel::setSteps(int steps) { steps_ = steps; }
bool TrainingPanel::isRunning() const { return worker_ && worker_->isRunning(); }
QString TrainingPanel::statusText() const { return status_->text(); }
QString TrainingPanel::samplesCaption() const { return samplesLabel_->text(); }

TrainingJob TrainingPanel::jobFor(const QString& name, const ModelConfig& config, const QString& dir, bool resume) const {
  TrainingJob job;
  job.name = name;
  job.config = config;
  job.trainData = form_->trainData();
  job.testData = form_->testData();
  job.options.runDir = dir.toStdString();
  job.options.minutes = steps_ > 0 ? 0 : form_->minutes();
  job.options.steps = steps_;
  job.options.resume = resume;
  job.options.logEvery = steps_ > 0 ? 1 : 10;
  if (steps_ > 0) job.options.evalEvery = 0;  // the quick runs of the tests: no periodic evaluation
  job.options.evalImages = 500;               // intervals otherwise scale with the budget (TrainOptions)
  job.options.sampleEvery = steps_ > 0 ? 5 : 100;
  job.options.device = "auto";
  return job;
}

QString TrainingPanel::freshFolderFor(const QString& dir) {
  const auto held = runContents(dir.toStdString());
  if (held.empty()) return dir;
  const QString fresh = QString::fromStdString(freshRunFolder(dir.toStdString()));
  if (dialogsAllowed() &&
      QMessageBox::question(this, tr("Run folder in use"),
                            tr("%1 already holds a run (%2). A run folder belongs to one run, so nothing of it will change.\n\n"
                               "Start the new run in %3 instead?").arg(dir, QString::fromStdString(held), fresh)) != QMessageBox::Yes)
    return {};
  form_->setRunFolder(fresh);
  return fresh;
}

void TrainingPanel::launch(const QVector<TrainingJob>& jobs, const QString& group) {
  if (isRunning() || jobs.isEmpty()) return;
  for (const auto& job : jobs) {
    TrainingRun run;
    run.name = job.name;
    run.dir = QString::fromStdString(job.options.runDir);
    run.group = group;
    run.variant = jobs.size() > 1 ? job.name : QString();
    if (job.options.resume) run.follow();  // the curve so far; the trainer rewrites the lines after its checkpoint
    run.readOffset = 0;
    run.live = true;
    run.config = QString::fromStdString(job.config.summary());
    addRun(std::move(run));
  }
  lastJobs_ = jobs;
  lastGroup_ = group;
  previewRun_ = jobs.front().name;
  // The form shows the config of the run that trains: a new run's at once, a resumed run's when the
  // worker has read it from its checkpoint (jobStarted), and each queued run's as it starts.
  if (!jobs.front().options.resume) form_->showConfig(jobs.front().config, jobs.front().name);
  delete worker_;
  worker_ = new TrainingWorker(this);
  worker_->setJobs(jobs);
  connect(worker_, &TrainingWorker::jobStarted, this, [this](const QString& name, const ModelConfig& config) {
    form_->showConfig(config, name);  // the settings of the run that trains now
    for (auto& job : lastJobs_)
      if (job.name == name) job.config = config;
  });
  connect(worker_, &TrainingWorker::jobFailed, this, [this](const QString& name, const QString& msg) {
    status_->setText(tr("Run %1 failed: %2").arg(name, msg));
  });
  connect(worker_, &QThread::finished, this, &TrainingPanel::finished);
  start_->setEnabled(false), ablations_->setEnabled(false), resume_->setEnabled(false);
  pause_->setEnabled(true), stop_->setEnabled(true);
  pausing_ = false;
  status_->setText(tr("Loading data…"));
  sessionClock_.start();
  worker_->start();
  poll_.start();
}

void TrainingPanel::finished() {
  poll();
  poll_.stop();
  TrainingRun* last = nullptr;
  for (auto& r : runs_)
    if (r.live) r.live = false, last = &r;
  form_->setEditable(true);
  start_->setEnabled(true), ablations_->setEnabled(true), resume_->setEnabled(true);
  pause_->setEnabled(false), stop_->setEnabled(false);
  const QString why = worker_->divergence();
  // The checkpoint's step from the run's end event; the last logged line's before it arrives.
  const QString step = last && !std::isnan(last->steps()) ? QString::number(last->steps()) : QString("?");
  if (!why.isEmpty()) {
    status_->setText(tr("Paused by the loss guard: %1").arg(why));
    Q_EMIT diverged(why);
    if (dialogsAllowed() && QMessageBox::question(this, tr("Training paused"), tr("%1\n\nResume from here?").arg(why)) == QMessageBox::Yes)
      resume();
  } else if (status_->text().startsWith(tr("Run "))) {
    // a failure message stays as it is
  } else if (pausing_) {
    status_->setText(tr("%1 paused at step %2 (checkpoint saved) — Resume continues exactly.").arg(last ? last->name : QString(), step));
  } else if (worker_->stopRequested()) {
    status_->setText(tr("%1 stopped at step %2 (checkpoint saved).").arg(last ? last->name : QString(), step));
  } else {
    const double test = last ? last->finalTest() : qQNaN();
    status_->setText(tr("%1 finished at step %2%3.").arg(last ? last->name : QString(), step,
                                                          qIsNaN(test) ? QString() : tr(", test %1 bits/dim").arg(test, 0, 'f', 3)));
  }
  Q_EMIT runFinished();
}

void TrainingPanel::start() {
  try {
    const auto config = currentConfig();
    const QString dir = freshFolderFor(form_->runFolder());
    if (dir.isEmpty()) return;
    launch({jobFor(QFileInfo(dir).fileName(), config, dir, false)}, dir);
  } catch (const std::exception& e) {
    status_->setText(tr("Cannot start: %1").arg(e.what()));
  }
}

void TrainingPanel::pause() {
  if (!worker_) return;
  pausing_ = true;
  worker_->stop();
  status_->setText(tr("Pausing: saving a checkpoint…"));
}

void TrainingPanel::stop() {
  if (!worker_) return;
  pausing_ = false;
  worker_->stop();
  status_->setText(tr("Stopping: saving a checkpoint…"));
}

void TrainingPanel::resume() {
  // The run folder field decides; the last queue is resumed when the field still names its folder.
  QVector<TrainingJob> jobs;
  const QString dir = form_->runFolder();
  try {
    bool lastQueue = false;
    for (const auto& job : lastJobs_) lastQueue = lastQueue || QString::fromStdString(job.options.runDir).startsWith(dir);
    const auto candidates = lastQueue ? lastJobs_ : QVector<TrainingJob>{};
    for (auto job : candidates) {
      if (newestCheckpoint(job.options.runDir).empty()) continue;
      job.options.resume = true;  // the worker takes the config from the checkpoint it resumes
      job.options.minutes = steps_ > 0 ? 0 : form_->minutes();  // the budget is the one set now
      job.options.steps = steps_;
      jobs.push_back(job);
    }
    if (jobs.isEmpty() && !newestCheckpoint(dir.toStdString()).empty())
      jobs = {jobFor(QFileInfo(dir).fileName(), ModelConfig{}, dir, true)};
  } catch (const std::exception& e) {
    status_->setText(tr("Cannot resume: %1").arg(e.what()));
    return;
  }
  if (jobs.isEmpty()) {
    status_->setText(tr("Nothing to resume: %1 has no checkpoint").arg(dir));
    return;
  }
  launch(jobs, jobs.size() > 1 ? lastGroup_ : dir);
}

QVector<TrainingJob> TrainingPanel::ablationJobs(const QString& base) const {
  QVector<TrainingJob> jobs;
  for (const auto& v : ablationVariants(currentConfig())) {
    const auto name = QString::fromStdString(v.name);
    jobs.push_back(jobFor(name, v.config, base + "-" + name, false));
    jobs.back().stepsOfFirstJob = jobs.size() > 1;  // the variants train for the full run's steps
  }
  return jobs;
}

void TrainingPanel::runAblations() {
  try {
    QString base = form_->runFolder();
    for (int i = 2; !runContents((base + "-full").toStdString()).empty(); ++i) base = form_->runFolder() + "-" + QString::number(i);
    launch(ablationJobs(base), base);
    status_->setText(tr("Ablations queued in %1-*: the full model trains for the budget, then uniform dequantization, affine "
                        "coupling and no attention each train for the same number of steps").arg(base));
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
  for (const auto& [name, line] : lines)
    if (auto* run = runNamed(name)) run->addLine(line);
  if (auto* run = runNamed(lines.back().first); run && !run->points().empty() && !worker_->stopRequested()) updateStatus(*run);
  chart_->scheduleRedraw();
  updateTable();
  updateSamples();
  Q_EMIT metricsArrived();
}

void TrainingPanel::updateStatus(const TrainingRun& run) {
  const auto* last = run.log.lastTrainPoint();
  if (!last) return;
  const auto& p = *last;
  // ETA from the budget: minutes of this session, or the remaining steps at the current rate.
  double eta = qQNaN();  // unknown until the run's own speed is known
  const auto* job = lastJobs_.isEmpty() ? nullptr : &lastJobs_.front();
  if (job && job->options.steps > 0 && p.imagesPerSec > 0)
    eta = (job->options.steps - p.step) * job->config.training.batchSize / p.imagesPerSec;
  else if (job && job->options.minutes > 0)
    eta = std::max(0.0, job->options.minutes * 60 - sessionClock_.elapsed() / 1000.0);
  status_->setText(tr("%1 · step %2 · train %3 · test %4 bits/dim (ELBO, EMA weights) · lr %5 · %6 images/s · ETA %7 min")
                       .arg(run.name)
                       .arg(p.step)
                       .arg(p.train, 0, 'f', 3)
                       .arg(qIsNaN(run.finalTest()) ? tr("–") : QString::number(run.finalTest(), 'f', 3))
                       .arg(p.lr, 0, 'g', 3)
                       .arg(p.imagesPerSec, 0, 'f', 0)
                       .arg(qIsNaN(eta) ? tr("–") : QString::number(eta / 60.0, 'f', 1)));
}

void TrainingPanel::followLoadedRuns() {
  bool changed = false;
  for (auto& r : runs_)
    if (r.followed && !r.live) changed = r.follow() || changed;
  if (!changed) return;
  chart_->scheduleRedraw();
  updateTable();
  Q_EMIT metricsArrived();
}

void TrainingPanel::updateTable() { runTable_->refresh(); }

// A run of the same name (a resume, a folder loaded again) takes the old one's place and colour;
// a new run gets the next colour, never one another run had.
void TrainingPanel::addRun(TrainingRun run) {
  run.colour = nextColour_;
  for (auto it = runs_.begin(); it != runs_.end(); ++it)
    if (it->name == run.name) {
      run.colour = it->colour, run.visible = it->visible;
      runs_.erase(it);
      break;
    }
  if (run.colour == nextColour_) ++nextColour_;
  runs_.push_back(std::move(run));
}

QString TrainingPanel::verdict() const { return runTable_->verdict(); }
QTableWidget* TrainingPanel::table() const { return runTable_->table(); }

void TrainingPanel::updateSamples() {
  const TrainingRun* run = previewRun_.isEmpty() ? nullptr : runNamed(previewRun_);
  const auto files = run ? QDir(run->dir + "/samples").entryInfoList({"step-*.png"}, QDir::Files, QDir::Name) : QFileInfoList{};
  if (files.isEmpty()) {
    samples_->setImage({});
    samplesLabel_->setText(run ? tr("%1: no saved samples yet").arg(run->name) : tr("Samples of the selected run appear here"));
    return;
  }
  const bool atEnd = samplesSlider_->value() == samplesSlider_->maximum();
  {
    const QSignalBlocker block(samplesSlider_);
    samplesSlider_->setRange(0, files.size() - 1);
    if (atEnd) samplesSlider_->setValue(files.size() - 1);
  }
  const auto& f = files[std::clamp(samplesSlider_->value(), 0, static_cast<int>(files.size()) - 1)];
  samples_->setImage(QImage(f.absoluteFilePath()));
  samplesLabel_->setText(tr("%1: samples at %2").arg(run->name, f.completeBaseName()));
}

QString TrainingPanel::loadRun(const QString& dir, const QString& group, const QString& variant) {
  QString error;
  auto run = TrainingRun::load(dir, &error);
  if (run.points().empty()) return error.isEmpty() ? tr("%1: no metrics").arg(dir) : error;
  run.followed = true;
  run.group = group, run.variant = variant;
  addRun(std::move(run));
  chart_->scheduleRedraw();
  updateTable();
  return runs_.back().log.skipped > 0 ? tr("%1: skipped %2 unreadable lines").arg(dir).arg(runs_.back().log.skipped) : QString();
}

void TrainingPanel::chooseRunToLoad() {
  const QString dir = QFileDialog::getExistingDirectory(this, tr("Run folder (with metrics.jsonl)"));
  if (dir.isEmpty()) return;
  const QString message = loadRun(dir);
  status_->setText(message.isEmpty() ? tr("Loaded %1 (following it while it grows)").arg(dir) : message);
}

void TrainingPanel::loadBundledAblations() {
  const QString base = "fmnist-small";
  for (const auto& d : QDir(modelsDirectory() + "/ablations").entryInfoList(QDir::Dirs | QDir::NoDotAndDotDot, QDir::Name)) {
    const QString name = d.fileName();
    if (!loadRun(d.absoluteFilePath(), kBundledGroup, name == base ? "full" : name.mid(base.size() + 1)).isEmpty()) continue;
    runs_.back().followed = false;
  }
  updateTable();
}

bool TrainingPanel::confirmClose() {
  if (!isRunning()) return true;
  if (dialogsAllowed() &&
      QMessageBox::question(this, tr("Training in progress"),
                            tr("A training run is in progress. Save a checkpoint and stop it? (Resume it later from the "
                               "Training tab or with `flowpp train --resume`.)")) != QMessageBox::Yes)
    return false;
  worker_->stop();
  worker_->wait();
  return true;
}

}  // namespace flowpp::ui
