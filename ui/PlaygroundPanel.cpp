#include "PlaygroundPanel.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDir>
#include <QDoubleSpinBox>
#include <QFileDialog>
#include <QFormLayout>
#include <QGridLayout>
#include <QGroupBox>
#include <QLabel>
#include <QPushButton>
#include <QShortcut>
#include <QSlider>
#include <QSpinBox>

#include "DrawCanvas.h"
#include "ToyCurves.h"
#include "ToyPlane.h"
#include "ExportFile.h"

namespace flowpp::ui {

namespace {
const QColor kData(30, 110, 200), kSamples(240, 130, 20), kMixture(30, 110, 200), kAffine(240, 130, 20);

QString targetLabel(ToyTargetKind k) {
  switch (k) {
    case ToyTargetKind::TwoMoons: return QObject::tr("Two moons");
    case ToyTargetKind::Rings: return QObject::tr("Rings");
    case ToyTargetKind::EightGaussians: return QObject::tr("Eight Gaussians");
    case ToyTargetKind::Checkerboard: return QObject::tr("Checkerboard");
    case ToyTargetKind::Spiral: return QObject::tr("Spiral");
    case ToyTargetKind::Painted: return QObject::tr("Painted (draw below)");
  }
  return {};
}

QSpinBox* spin(int lo, int hi, int value, const QString& tip) {
  auto* s = new QSpinBox;
  s->setRange(lo, hi);
  s->setValue(value);
  s->setToolTip(tip);
  s->setKeyboardTracking(false);
  return s;
}
}  // namespace

PlaygroundPanel::PlaygroundPanel(QWidget* parent) : QWidget(parent), worker_(new ToyWorker(this)) {
  targetView_ = new ToyPlane(tr("Target"));
  mixtureView_ = new ToyPlane(tr("Mixture-of-logistics flow"));
  affineView_ = new ToyPlane(tr("Affine flow"));
  mixtureLayers_ = new ToyPlane(tr("Mixture: layer view"));
  affineLayers_ = new ToyPlane(tr("Affine: layer view"));
  curves_ = new ToyCurves;
  targetView_->setToolTip(tr("The target density p*(x) (a histogram of many of its points) and points drawn from it."));
  mixtureView_->setToolTip(tr("p(x) = N(f(x)) |det df/dx| of the flow with Flow++'s couplings: each coupling moves one "
                              "coordinate through a mixture of K logistic CDFs, a monotone S-curve with K steps."));
  affineView_->setToolTip(tr("The same flow with affine couplings (y = x * exp(a) + b, as in RealNVP/Glow) and the same "
                             "number of parameters: it can only stretch and shift, so thin rings are hard for it."));
  for (auto* v : {mixtureLayers_, affineLayers_})
    v->setToolTip(tr("Blue: the data after the first L layers (with the grid lines of the plane, bent the same way). "
                     "Orange: the flow's samples at the same place on their way back from the Gaussian. At the last "
                     "layer the blue cloud should look like a standard normal; at layer 0, like the target."));
  views_ = new QWidget;
  auto* grid = new QGridLayout(views_);
  grid->setContentsMargins(0, 0, 0, 0);
  grid->addWidget(targetView_, 0, 0), grid->addWidget(mixtureView_, 0, 1), grid->addWidget(affineView_, 0, 2);
  grid->addWidget(curves_, 1, 0), grid->addWidget(mixtureLayers_, 1, 1), grid->addWidget(affineLayers_, 1, 2);
  auto* layout = new QHBoxLayout(this);
  layout->addWidget(buildControls());
  layout->addWidget(views_, 1);

  connect(worker_, &ToyWorker::frameReady, this, &PlaygroundPanel::showFrame);
  connect(worker_, &ToyWorker::paused, this, &PlaygroundPanel::paused);
  connect(worker_, &ToyWorker::failed, this, [this](const QString& m) {
    setRunning(false);
    Q_EMIT message(m);
  });
  auto* space = new QShortcut(QKeySequence(Qt::Key_Space), this, [this] { setRunning(!running_); });
  space->setContext(Qt::WidgetWithChildrenShortcut);
  auto* dot = new QShortcut(QKeySequence(Qt::Key_Period), this, [this] { stepOnce(); });
  dot->setContext(Qt::WidgetWithChildrenShortcut);
}

// The experiment starts when the tab is first shown, so it costs nothing at start-up.
void PlaygroundPanel::showEvent(QShowEvent* e) {
  QWidget::showEvent(e);
  if (!started_) {
    started_ = true;
    resetLab();
  }
}

QWidget* PlaygroundPanel::buildControls() {
  auto* box = new QGroupBox(tr("Experiment"));
  box->setMaximumWidth(280);
  auto* form = new QFormLayout(box);
  target_ = new QComboBox;
  for (auto k : builtInToyTargets()) target_->addItem(targetLabel(k), int(k));
  target_->addItem(targetLabel(ToyTargetKind::Painted), int(ToyTargetKind::Painted));
  target_->setCurrentIndex(1);  // rings: where the affine coupling visibly fails
  target_->setToolTip(tr("The distribution both flows learn. Rings and the checkerboard show the affine coupling's limits best."));
  canvas_ = new DrawCanvas;
  canvas_->reset(32, 32);
  canvas_->setToolTip(tr("Paint a density: left button paints, right button erases. Brighter = denser."));
  canvas_->setVisible(false);
  auto* load = new QPushButton(tr("Load grey image…"));
  load->setToolTip(tr("Use an image as the target density (converted to grey, 64×64; brighter = denser)"));
  components_ = spin(1, 64, 8, tr("K: logistics per mixture coupling. K = 1 is already non-affine; more components bend more."));
  layers_ = spin(1, 32, 6, tr("Number of couplings (each after an ActNorm)"));
  hidden_ = spin(2, 1024, 32, tr("Width of the mixture flow's MLP conditioner. The affine flow gets the width that gives it "
                                 "the same number of parameters (the paper's ablation compares equal sizes)."));
  learningRate_ = new QDoubleSpinBox;
  learningRate_->setDecimals(4), learningRate_->setRange(0.0001, 0.1), learningRate_->setSingleStep(0.001);
  learningRate_->setValue(0.005);
  learningRate_->setToolTip(tr("Adam's learning rate, for both flows"));
  learningRate_->setKeyboardTracking(false);
  batch_ = spin(8, 8192, 256, tr("Target points per training step (the same batch for both flows)"));
  seed_ = spin(0, 999999, 1, tr("Seed of the weights and the batches: the same seed gives the same run"));
  split_ = new QComboBox;
  split_->addItem(tr("Alternating"), int(ToySplit::Alternating));
  split_->addItem(tr("Learned rotation"), int(ToySplit::Rotation));
  split_->setToolTip(tr("Which coordinate a coupling transforms: alternate x and y, or rotate the plane by a learned "
                        "angle before each coupling (a 2-D stand-in for Glow's 1×1 convolution)"));
  run_ = new QPushButton(tr("Train"));
  run_->setToolTip(tr("Train or pause (Space)"));
  step_ = new QPushButton(tr("Step"));
  step_->setToolTip(tr("One frame's worth of steps while paused (.)"));
  reset_ = new QPushButton(tr("Reset"));
  reset_->setToolTip(tr("Fresh weights from the seed, step 0 (Ctrl+R)"));
  reset_->setShortcut(QKeySequence(tr("Ctrl+R")));
  auto* buttons = new QHBoxLayout;
  buttons->addWidget(run_), buttons->addWidget(step_), buttons->addWidget(reset_);
  layer_ = new QSlider(Qt::Horizontal);
  layer_->setRange(0, 6), layer_->setValue(6);
  layer_->setToolTip(tr("Which layer the layer views show: 0 = the data, the last = the Gaussian latent"));
  layerLabel_ = new QLabel;
  samplesOnDensity_ = new QCheckBox(tr("Samples over the densities"));
  samplesOnDensity_->setToolTip(tr("Draw each flow's samples (and the target's points) over the heatmaps"));
  status_ = new QLabel;
  status_->setWordWrap(true);
  auto* exportButton = new QPushButton(tr("Export PNG…"));
  exportButton->setToolTip(tr("Save the six views as one PNG"));
  auto* record = new QCheckBox(tr("Record frames…"));
  record->setToolTip(tr("Write every shown frame as frame-00001.png, … into a folder (for slides or a video)"));
  form->addRow(tr("Target"), target_);
  form->addRow(canvas_);
  form->addRow(load);
  form->addRow(tr("K"), components_);
  form->addRow(tr("Layers"), layers_);
  form->addRow(tr("Hidden width"), hidden_);
  form->addRow(tr("Split"), split_);
  form->addRow(tr("Learning rate"), learningRate_);
  form->addRow(tr("Batch"), batch_);
  form->addRow(tr("Seed"), seed_);
  form->addRow(buttons);
  form->addRow(tr("Layer"), layer_);
  form->addRow(layerLabel_);
  form->addRow(samplesOnDensity_);
  form->addRow(status_);
  form->addRow(exportButton);
  form->addRow(record);

  connect(target_, &QComboBox::currentIndexChanged, this, [this] {
    const auto kind = ToyTargetKind(target_->currentData().toInt());
    canvas_->setVisible(kind == ToyTargetKind::Painted);
    if (kind != ToyTargetKind::Painted || !painted_.weights.empty()) resetLab();
  });
  connect(canvas_, &DrawCanvas::drawn, this, [this] {
    const QImage grey = canvas_->image().convertToFormat(QImage::Format_Grayscale8);
    painted_ = {ToyTargetKind::Painted, grey.width(), {}};
    for (int y = 0; y < grey.height(); ++y)
      for (int x = 0; x < grey.width(); ++x) painted_.weights.push_back(grey.constScanLine(y)[x]);
    resetLab();
  });
  connect(load, &QPushButton::clicked, this, [this] {
    const QString path = QFileDialog::getOpenFileName(this, tr("Target image"), {}, tr("Images (*.png *.jpg *.jpeg *.bmp *.pgm)"));
    if (!path.isEmpty()) loadTargetImage(path);
  });
  for (auto* s : {components_, layers_, hidden_, batch_, seed_}) connect(s, &QSpinBox::valueChanged, this, &PlaygroundPanel::resetLab);
  connect(learningRate_, &QDoubleSpinBox::valueChanged, this, &PlaygroundPanel::resetLab);
  connect(split_, &QComboBox::currentIndexChanged, this, &PlaygroundPanel::resetLab);
  connect(run_, &QPushButton::clicked, this, [this] { setRunning(!running_); });
  connect(step_, &QPushButton::clicked, this, &PlaygroundPanel::stepOnce);
  connect(reset_, &QPushButton::clicked, this, &PlaygroundPanel::resetLab);
  connect(layer_, &QSlider::valueChanged, this, &PlaygroundPanel::sendView);
  connect(samplesOnDensity_, &QCheckBox::toggled, this, [this] { showFrame(last_, 0, 0); });
  connect(exportButton, &QPushButton::clicked, this, [this] {
    const QString path = QFileDialog::getSaveFileName(this, tr("Export the playground"), "playground.png", tr("PNG (*.png)"));
    if (!path.isEmpty() && !exportPng(path)) Q_EMIT message(tr("Could not write %1").arg(path));
  });
  connect(record, &QCheckBox::toggled, this, [this, record](bool on) {
    QString folder;
    if (on) folder = QFileDialog::getExistingDirectory(this, tr("Folder for the frames"));
    if (on && !folder.isEmpty() && !QDir(folder).entryList({"frame-*.png"}).isEmpty()) {
      Q_EMIT message(tr("%1 already holds frames: choose an empty folder (nothing was overwritten)").arg(folder));
      folder.clear();
    }
    if (on && folder.isEmpty()) record->setChecked(false);
    recordFrames(folder);
  });
  return box;
}

ToyLabOptions PlaygroundPanel::options() const {
  ToyLabOptions o;
  const auto kind = ToyTargetKind(target_->currentData().toInt());
  if (kind == ToyTargetKind::Painted) o.target = painted_;
  o.target.kind = kind;
  o.flow.components = components_->value();
  o.flow.layers = layers_->value();
  o.flow.hidden = hidden_->value();
  o.flow.split = ToySplit(split_->currentData().toInt());
  o.learningRate = learningRate_->value();
  o.batch = batch_->value();
  o.seed = uint64_t(seed_->value());
  return o;
}

void PlaygroundPanel::setRunning(bool running) {
  running_ = running;
  run_->setText(running ? tr("Pause") : tr("Train"));
  step_->setEnabled(!running);
  sinceFrame_.invalidate();
  worker_->setRunning(running);
}

void PlaygroundPanel::stepOnce() {
  if (!running_) worker_->step();
}

void PlaygroundPanel::resetLab() {
  {
    const QSignalBlocker block(layer_);
    layer_->setMaximum(layers_->value());
  }
  updateLayerLabel();
  worker_->reset(options(), view());
  if (running_) worker_->setRunning(true);
}

void PlaygroundPanel::setTarget(ToyTargetKind kind) { target_->setCurrentIndex(target_->findData(int(kind))); }

void PlaygroundPanel::loadTargetImage(const QString& path) {
  QImage img(path);
  if (img.isNull()) {
    Q_EMIT message(tr("Could not read %1 as an image").arg(path));
    return;
  }
  const QImage grey = img.convertToFormat(QImage::Format_Grayscale8).scaled(64, 64, Qt::IgnoreAspectRatio, Qt::SmoothTransformation);
  painted_ = {ToyTargetKind::Painted, 64, {}};
  for (int y = 0; y < 64; ++y)
    for (int x = 0; x < 64; ++x) painted_.weights.push_back(grey.constScanLine(y)[x]);
  canvas_->reset(32, 32);
  const QSignalBlocker block(target_);
  setTarget(ToyTargetKind::Painted);
  canvas_->setVisible(true);
  resetLab();
}

ToyViewSettings PlaygroundPanel::view() const { return {64, layer_->value(), 600}; }

void PlaygroundPanel::updateLayerLabel() {
  layerLabel_->setText(layer_->value() == 0 ? tr("layer 0: the data") :
                       layer_->value() == layer_->maximum() ? tr("layer %1: the latent (should be Gaussian)").arg(layer_->value()) :
                                                              tr("after layer %1 of %2").arg(layer_->value()).arg(layer_->maximum()));
}

void PlaygroundPanel::redraw() { sendView(); }

void PlaygroundPanel::sendView() {
  updateLayerLabel();
  worker_->setView(view());
}

void PlaygroundPanel::showFrame(const ToyFrame& f, double msPerStep, double frameMs) {
  if (msPerStep > 0 || frameMs > 0) {  // a new frame (not a redraw)
    if (sinceFrame_.isValid() && running_) {
      const double now = 1000.0 / std::max<qint64>(1, sinceFrame_.elapsed());
      fps_ = fps_ == 0 ? now : 0.9 * fps_ + 0.1 * now;
    }
    sinceFrame_.start();
    last_ = f;
  }
  if (f.grid == 0) return;
  const double hi = *std::max_element(f.targetDensity.begin(), f.targetDensity.end());
  auto overlay = [this](const ToyPoints& points) {  // points over a heatmap, when asked for
    std::vector<std::pair<ToyPoints, QColor>> clouds;
    if (samplesOnDensity_->isChecked()) clouds.push_back({points, Qt::white});
    return clouds;
  };
  targetView_->setDensity(f.targetDensity, f.grid, hi);
  targetView_->setPoints(overlay(f.targetSamples));
  auto show = [&](const ToyFlowView& v, ToyPlane* density, ToyPlane* layers) {
    density->setDensity(v.density, f.grid, hi);
    density->setPoints(overlay(v.samples));
    density->setSubtitle(tr("%1 params, test NLL %2").arg(v.parameters).arg(v.testNll, 0, 'f', 3));
    layers->setGridLines(v.gridLines);
    layers->setPoints({{v.layerPoints, kData}, {v.layerSamples, kSamples}});
    layers->setSubtitle(tr("layer %1 of %2").arg(f.layer).arg(f.layers));
  };
  show(f.mixture, mixtureView_, mixtureLayers_);
  show(f.affine, affineView_, affineLayers_);
  std::vector<long long> steps(f.nllSteps.begin(), f.nllSteps.end());
  curves_->setCurves(steps, {{tr("mixture"), kMixture, f.mixture.nll}, {tr("affine"), kAffine, f.affine.nll}});
  status_->setText(tr("Step %1 · %2 frames/s · %3 ms/step · Newton iterations per inversion: %4")
                       .arg(f.step)
                       .arg(running_ ? QString::number(fps_, 'f', 0) : QString("–"))
                       .arg(msPerStep > 0 ? QString::number(msPerStep, 'f', 1) : QString("–"))
                       .arg(f.mixture.meanNewtonIterations, 0, 'f', 1));
  if (!recordFolder_.isEmpty() && (msPerStep > 0 || frameMs > 0))
    exportPng(QDir(recordFolder_).filePath(QString("frame-%1.png").arg(++recorded_, 5, 10, QChar('0'))));
  worker_->frameShown();
  Q_EMIT frameShown();
}

bool PlaygroundPanel::exportPng(const QString& path) const { return savePngAtomically(views_->grab().toImage(), path); }

void PlaygroundPanel::recordFrames(const QString& folder) {
  recordFolder_ = folder;
  recorded_ = 0;
}

}  // namespace flowpp::ui
