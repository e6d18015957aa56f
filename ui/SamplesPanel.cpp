#include "SamplesPanel.h"

#include <QFileDialog>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QRandomGenerator>
#include <QSlider>
#include <QSpinBox>
#include <QVBoxLayout>

#include "ImageGrid.h"
#include "PixelView.h"
#include "PixelsImage.h"
#include "ExportFigure.h"
#include "ExportFile.h"

namespace flowpp::ui {

SamplesPanel::SamplesPanel(ModelSession* session, QWidget* parent) : QWidget(parent), session_(session) {
  grid_ = new ImageGrid;
  zoom_ = new PixelView;
  zoom_->setToolTip(tr("The selected sample at integer zoom (nearest neighbour: every square is one pixel)."));
  temperature_ = new QSlider(Qt::Horizontal);
  temperature_->setRange(0, 120);
  temperature_->setValue(kDefaultTemperaturePercent);
  temperature_->setToolTip(tr("Temperature scales the Gaussian latent: z = T·ε, then x = f⁻¹(z).\n"
                              "T = 1 draws exact samples of the model; T < 1 trades diversity for cleaner, more typical "
                              "images (the studio starts at 0.8). T = 0 decodes the mode of the latent, z = 0."));
  temperatureLabel_ = new QLabel;
  seed_ = new QSpinBox;
  seed_->setRange(0, 999999);
  seed_->setToolTip(tr("Seed of ε. The same seed at another temperature shows the same images sharpening or blurring."));
  auto* newSeed = new QPushButton(tr("&New seed"));
  newSeed->setToolTip(tr("Draw a fresh ε (Ctrl+N)"));
  // Ctrl+N is the main window's (it works from every tab).
  gridSize_ = new QSpinBox;
  gridSize_->setRange(1, 8);
  gridSize_->setValue(4);
  gridSize_->setSuffix(tr(" × grid"));
  gridSize_->setToolTip(tr("Samples per side of the grid; each sample is one pass of the inverse flow."));
  auto* save = new QPushButton(tr("Save grid…"));
  save->setToolTip(tr("Save the whole grid as a PNG at the model's pixel size (Ctrl+S)"));
  save->setShortcut(QKeySequence::Save);
  auto* saveOne = new QPushButton(tr("Save sample…"));
  saveOne->setToolTip(tr("Save the selected sample as a PNG"));
  info_ = new QLabel(tr("Loading the model…"));
  info_->setWordWrap(true);
  state_ = new QLabel;
  zoomInfo_ = new QLabel;
  zoomInfo_->setWordWrap(true);

  auto* controls = new QGridLayout;
  controls->addWidget(new QLabel(tr("Temperature")), 0, 0);
  controls->addWidget(temperature_, 0, 1);
  controls->addWidget(temperatureLabel_, 0, 2);
  controls->addWidget(new QLabel(tr("Seed")), 1, 0);
  controls->addWidget(seed_, 1, 1);
  controls->addWidget(newSeed, 1, 2);
  controls->addWidget(new QLabel(tr("Grid")), 2, 0);
  controls->addWidget(gridSize_, 2, 1);
  auto* side = new QVBoxLayout;
  side->addLayout(controls);
  side->addWidget(state_);
  side->addWidget(zoom_, 1);
  side->addWidget(zoomInfo_);
  auto* buttons = new QHBoxLayout;
  buttons->addWidget(save);
  buttons->addWidget(saveOne);
  side->addLayout(buttons);
  side->addWidget(info_);
  auto* layout = new QHBoxLayout(this);
  layout->addWidget(grid_, 3);
  layout->addLayout(side, 1);

  connect(temperature_, &QSlider::valueChanged, this, &SamplesPanel::resample);
  connect(seed_, &QSpinBox::valueChanged, this, &SamplesPanel::resample);
  connect(gridSize_, &QSpinBox::valueChanged, this, &SamplesPanel::resample);
  connect(newSeed, &QPushButton::clicked, this, &SamplesPanel::newSeed);
  connect(save, &QPushButton::clicked, this, &SamplesPanel::saveGrid);
  connect(saveOne, &QPushButton::clicked, this, &SamplesPanel::saveSelected);
  connect(grid_, &ImageGrid::imageClicked, this, &SamplesPanel::showZoom);
  connect(session_, &ModelSession::samplesReady, this, &SamplesPanel::showResult);
  connect(session_, &ModelSession::modelOpened, this, &SamplesPanel::onModelOpened);
  connect(session_, &ModelSession::modelFailed, this, [this] {
    if (!session_->hasModel()) info_->setText(tr("No model: open one with File ▸ Open model (Ctrl+O)."));
  });
  // Each request reports Waiting once and then one end (Finished, Cancelled when a newer one
  // superseded it, or Failed): the line stays until the last request in flight has ended.
  connect(session_, &ModelSession::jobState, this, [this](JobKind kind, JobState state) {
    if (kind != JobKind::Samples) return;
    if (state == JobState::Waiting) ++inFlight_;
    if (state == JobState::Finished || state == JobState::Cancelled || state == JobState::Failed) inFlight_ = std::max(0, inFlight_ - 1);
    state_->setText(inFlight_ == 0 ? QString() : state == JobState::Running ? tr("Sampling…") : tr("Waiting for the worker…"));
  });
  temperatureLabel_->setText(QString::number(temperature(), 'f', 2));
}

double SamplesPanel::temperature() const { return temperature_->value() / 100.0; }

void SamplesPanel::onModelOpened() {
  firstGrid_ = true;
  resample();
}

void SamplesPanel::resample() {
  temperatureLabel_->setText(QString::number(temperature(), 'f', 2));
  if (!session_->hasModel()) return;
  SampleRequest r;
  r.count = firstGrid_ ? std::min(4, gridSize_->value() * gridSize_->value()) : gridSize_->value() * gridSize_->value();
  r.temperature = temperature();
  r.seed = static_cast<quint64>(seed_->value());
  session_->requestSamples(r);
}

void SamplesPanel::newSeed() { seed_->setValue(QRandomGenerator::global()->bounded(1000000)); }

void SamplesPanel::showResult(const SampleReport& r) {
  last_ = r;
  QVector<QImage> images;
  QStringList tips;
  for (size_t i = 0; i < r.images.size(); ++i) {
    images << toQImage(r.images[i]);
    tips << tr("Sample %1\n%2 bits/dim (one-sample ELBO under the model)").arg(i).arg(r.bitsPerDim.at(i), 0, 'f', 3);
  }
  grid_->setImages(images, tips, int(std::ceil(std::sqrt(double(images.size())))));
  showZoom(std::max(0, std::min(grid_->selected(), int(images.size()) - 1)));
  info_->setText(tr("%1 samples at T = %2, seed %3 in %4 s · inverse of the mixture CDF: %5 Newton iterations per coupling")
                     .arg(r.images.size())
                     .arg(r.temperature, 0, 'f', 2)
                     .arg(r.seed)
                     .arg(r.seconds, 0, 'f', 2)
                     .arg(r.meanIterations, 0, 'f', 1));
  Q_EMIT samplesShown();
  if (firstGrid_) {
    firstGrid_ = false;
    if (int(r.images.size()) < gridSize_->value() * gridSize_->value()) resample();
  }
}

void SamplesPanel::showZoom(int i) {
  zoom_->setImage(grid_->images().value(i));
  zoomInfo_->setText(i < int(last_.bitsPerDim.size())
                         ? tr("Sample %1 at T = %2: %3 bits/dim (one-sample ELBO)").arg(i).arg(last_.temperature, 0, 'f', 2).arg(last_.bitsPerDim[i], 0, 'f', 3)
                         : QString());
}

QString SamplesPanel::statusText() const { return state_->text().isEmpty() ? info_->text() : state_->text(); }
QString SamplesPanel::stateText() const { return state_->text(); }
QString SamplesPanel::zoomCaption() const { return zoomInfo_->text(); }

QImage SamplesPanel::selectedImage() const { return grid_->images().value(std::max(0, grid_->selected())); }

void SamplesPanel::saveGrid() {
  const QString path = QFileDialog::getSaveFileName(this, tr("Save samples"), "samples.png", tr("PNG images (*.png)"));
  const QString caption = tr("%1 samples of %2 at temperature %3 (seed %4)")
                              .arg(last_.count).arg(session_->modelInfo().name).arg(last_.temperature, 0, 'f', 2).arg(last_.seed);
  if (!path.isEmpty() && !savePngAtomically(exportFigure(grid_->gridImage(), caption), path))
    info_->setText(tr("Could not write %1").arg(path));
}

void SamplesPanel::saveSelected() {
  const QString path = QFileDialog::getSaveFileName(this, tr("Save sample"), "sample.png", tr("PNG images (*.png)"));
  if (!path.isEmpty() && !savePngAtomically(selectedImage(), path)) info_->setText(tr("Could not write %1").arg(path));
}

}  // namespace flowpp::ui
