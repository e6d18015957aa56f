#include "DirectionsPanel.h"

#include <QCheckBox>
#include <QComboBox>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QProgressBar>
#include <QPushButton>
#include <QSlider>
#include <QSpinBox>
#include <QVBoxLayout>

#include <algorithm>

#include "JobProgress.h"
#include "PixelView.h"
#include "PixelsImage.h"

namespace flowpp::ui {

namespace {
constexpr int kSliderUnits = 100;  // slider steps per unit along a direction
}

DirectionsPanel::DirectionsPanel(ModelSession* session, QWidget* parent) : QWidget(parent), session_(session) {
  index_ = new QSpinBox;
  index_->setEnabled(false);
  index_->setToolTip(tr("Image of the open data set to move"));
  compute_ = new QPushButton(tr("&Compute directions"));
  compute_->setToolTip(tr("Encode up to 2,000 images of the open data set: their class means (where the data has labels) and "
                          "principal directions, in the background"));
  cancel_ = new QPushButton(tr("Cancel"));
  cancel_->setVisible(false);
  progress_ = new QProgressBar;
  progress_->setVisible(false);
  state_ = new QLabel(tr("Open a data set, then compute its directions."));
  state_->setWordWrap(true);
  direction_ = new QComboBox;
  direction_->setToolTip(tr("One unit: a class's full offset from the data's mean, or one standard deviation of the data along "
                            "a principal direction"));
  classPair_ = new QCheckBox(tr("Class → class:"));
  classPair_->setToolTip(tr("Move from one class's mean latent towards another's: at 1 the image has moved by the full difference"));
  fromClass_ = new QComboBox;
  toClass_ = new QComboBox;
  amount_ = new QSlider(Qt::Horizontal);
  amount_->setRange(-3 * kSliderUnits, 3 * kSliderUnits);
  amount_->setValue(0);
  amount_->setToolTip(tr("How far to move, in units of the direction (0 gives the image back exactly)"));
  amountLabel_ = new QLabel;
  original_ = new PixelView;
  moved_ = new PixelView;
  caption_ = new QLabel;
  caption_->setWordWrap(true);

  auto* top = new QHBoxLayout;
  top->addWidget(new QLabel(tr("Data set #")));
  top->addWidget(index_);
  top->addWidget(compute_);
  top->addWidget(progress_, 1);
  top->addWidget(cancel_);
  top->addStretch(1);
  auto* controls = new QGridLayout;
  controls->addWidget(new QLabel(tr("Direction")), 0, 0);
  controls->addWidget(direction_, 0, 1, 1, 3);
  controls->addWidget(classPair_, 1, 0);
  controls->addWidget(fromClass_, 1, 1);
  controls->addWidget(new QLabel(tr("→")), 1, 2);
  controls->addWidget(toClass_, 1, 3);
  controls->addWidget(new QLabel(tr("Amount")), 2, 0);
  controls->addWidget(amount_, 2, 1, 1, 2);
  controls->addWidget(amountLabel_, 2, 3);
  controls->setColumnStretch(1, 1);
  controls->setColumnStretch(3, 1);
  auto* images = new QGridLayout;
  images->addWidget(original_, 0, 0);
  images->addWidget(moved_, 0, 1);
  images->addWidget(new QLabel(tr("x")), 1, 0, Qt::AlignHCenter);
  images->addWidget(new QLabel(tr("moved: f⁻¹(f(x) + amount · direction)")), 1, 1, Qt::AlignHCenter);
  images->setRowStretch(0, 1);
  auto* layout = new QVBoxLayout(this);
  layout->addLayout(top);
  layout->addWidget(state_);
  layout->addLayout(controls);
  layout->addLayout(images, 1);
  layout->addWidget(caption_);

  connect(compute_, &QPushButton::clicked, this, &DirectionsPanel::computeDirections);
  connect(cancel_, &QPushButton::clicked, this, [this] { session_->cancel(JobKind::LatentDirections); });
  connect(index_, &QSpinBox::valueChanged, this, &DirectionsPanel::request);
  connect(direction_, &QComboBox::currentIndexChanged, this, &DirectionsPanel::request);
  connect(fromClass_, &QComboBox::currentIndexChanged, this, &DirectionsPanel::request);
  connect(toClass_, &QComboBox::currentIndexChanged, this, &DirectionsPanel::request);
  connect(classPair_, &QCheckBox::toggled, this, &DirectionsPanel::request);
  connect(amount_, &QSlider::valueChanged, this, &DirectionsPanel::request);
  connect(session_, &ModelSession::latentDirectionsReady, this, &DirectionsPanel::showDirections);
  connect(session_, &ModelSession::jobState, this, &DirectionsPanel::showJobState);
  connect(session_, &ModelSession::latentMoveReady, this, [this](const LatentMoveReport& r) {
    last_ = r;
    moved_->setImage(toQImage(r.image));
    caption_->setText(tr("Moved %1 units along “%2”.").arg(r.amount, 0, 'f', 2).arg(r.direction));
    Q_EMIT moveShown();
  });
  connect(session_, &ModelSession::modelOpened, this, [this] {
    info_ = {};
    direction_->clear();
    state_->setText(tr("A new model: compute the directions again (they live in its latent space)."));
  });
  amountLabel_->setText(QString::number(0.0, 'f', 2));
}

void DirectionsPanel::setDataset(const QVector<QImage>& images) {
  dataset_ = images;
  index_->setRange(0, std::max(0, int(images.size()) - 1));
  index_->setEnabled(!images.isEmpty());
  info_ = {};
  direction_->clear();
  original_->setImage(images.value(index_->value()));
  state_->setText(tr("Data set open: compute its directions."));
}

void DirectionsPanel::computeDirections() {
  if (!session_->hasModel() || dataset_.isEmpty()) {
    state_->setText(tr("Open a model and a data set first."));
    return;
  }
  session_->requestLatentDirections();
}

double DirectionsPanel::amount() const { return double(amount_->value()) / kSliderUnits; }

void DirectionsPanel::request() {
  amountLabel_->setText(QString::number(amount(), 'f', 2));
  const QImage image = dataset_.value(index_->value());
  original_->setImage(image);
  if (info_.names.isEmpty() || image.isNull()) return;
  LatentMoveRequest r;
  r.image = image;
  r.amount = amount();
  r.direction = direction_->currentIndex();
  if (classPair_->isChecked() && !info_.classes.isEmpty()) r.fromClass = fromClass_->currentIndex(), r.toClass = toClass_->currentIndex();
  session_->requestLatentMove(r);
}

void DirectionsPanel::showDirections(const LatentDirectionsInfo& info) {
  if (info.cancelled) {
    state_->setText(tr("Cancelled; no directions."));
    return;
  }
  info_ = info;
  {
    const QSignalBlocker b1(direction_), b2(fromClass_), b3(toClass_);
    direction_->clear();
    direction_->addItems(info.names);
    fromClass_->clear();
    fromClass_->addItems(info.classes);
    toClass_->clear();
    toClass_->addItems(info.classes);
    if (info.classes.size() > 1) toClass_->setCurrentIndex(1);
  }
  classPair_->setEnabled(!info.classes.isEmpty());
  fromClass_->setEnabled(!info.classes.isEmpty());
  toClass_->setEnabled(!info.classes.isEmpty());
  state_->setText(info.classes.isEmpty()
                      ? tr("%1 principal directions of %2 images' latents (the data has no labels).").arg(info.names.size()).arg(info.images)
                      : tr("%1 class directions and %2 principal directions from %3 labelled images.")
                            .arg(info.classes.size())
                            .arg(info.names.size() - info.classes.size())
                            .arg(info.images));
  Q_EMIT directionsShown();
  request();
}

void DirectionsPanel::showJobState(JobKind kind, JobState state, qint64 done, qint64 total) {
  if (kind != JobKind::LatentDirections) return;
  const bool active = showJobProgress(progress_, cancel_, state, done, total);
  compute_->setEnabled(!active);
  if (active) state_->setText(tr("Encoding the data set's images…"));
  if (state == JobState::Failed) state_->setText(tr("Could not compute the directions (see the message above)."));
}

}  // namespace flowpp::ui
