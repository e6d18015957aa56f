#include "LayersPanel.h"

#include <QDoubleSpinBox>
#include <QFileDialog>
#include <QHBoxLayout>
#include <QLabel>
#include <QPainter>
#include <QPushButton>
#include <QScrollArea>
#include <QSpinBox>

#include <algorithm>

#include "PixelsImage.h"
#include "ExportFile.h"

namespace flowpp::ui {

LayersPanel::LayersPanel(ModelSession* session, std::function<QImage()> currentSample, QWidget* parent)
    : QWidget(parent), session_(session), currentSample_(std::move(currentSample)) {
  auto* useSample = new QPushButton(tr("Selected image: forward pass"));
  useSample->setToolTip(tr("x → z for the image selected in the Samples tab: each layer's output and its bits per pixel"));
  auto* decode = new QPushButton(tr("Decode a sample: inverse pass"));
  decode->setToolTip(tr("z → x for a new sample z = T·ε: each layer undone, with the Newton iterations its couplings took"));
  temperature_ = new QDoubleSpinBox;
  temperature_->setRange(0, 1.2), temperature_->setSingleStep(0.1), temperature_->setValue(0.8);
  temperature_->setToolTip(tr("Temperature T of the decoded sample"));
  seed_ = new QSpinBox;
  seed_->setRange(0, 999999);
  seed_->setToolTip(tr("Seed of ε"));
  auto* exportButton = new QPushButton(tr("Export PNG…"));
  summary_ = new QLabel(tr("Pick an image in the Samples tab, or decode a sample."));
  summary_->setWordWrap(true);
  auto* bar = new QHBoxLayout;
  bar->addWidget(useSample), bar->addSpacing(16), bar->addWidget(decode);
  bar->addWidget(new QLabel(tr("T"))), bar->addWidget(temperature_), bar->addWidget(new QLabel(tr("seed"))), bar->addWidget(seed_);
  bar->addStretch(1), bar->addWidget(exportButton);
  rows_ = new QWidget;
  rowsLayout_ = new QVBoxLayout(rows_);
  rowsLayout_->addStretch(1);
  auto* scroll = new QScrollArea;
  scroll->setWidget(rows_);
  scroll->setWidgetResizable(true);
  auto* layout = new QVBoxLayout(this);
  layout->addLayout(bar);
  layout->addWidget(summary_);
  layout->addWidget(scroll, 1);
  connect(useSample, &QPushButton::clicked, this, [this] { setImage(currentSample_()); });
  connect(decode, &QPushButton::clicked, this, [this] { showSample(temperature_->value(), quint64(seed_->value())); });
  connect(exportButton, &QPushButton::clicked, this, [this] {
    const QString path = QFileDialog::getSaveFileName(this, tr("Export the layers view"), "layers.png", tr("PNG (*.png)"));
    if (!path.isEmpty()) exportPng(path);
  });
  connect(session_, &ModelSession::layersReady, this, &LayersPanel::showReport);
  connect(session_, &ModelSession::modelOpened, this, [this] { last_ = {}; if (isVisible()) setImage(currentSample_()); });
}

void LayersPanel::showEvent(QShowEvent* e) {
  QWidget::showEvent(e);
  if (last_.layers.empty() && session_->hasModel()) setImage(currentSample_());
}

void LayersPanel::setImage(const QImage& image) {
  if (image.isNull() || !session_->hasModel()) return;
  image_ = image;
  LayersRequest r;
  r.image = image;
  session_->requestLayers(r);
}

void LayersPanel::showSample(double temperature, quint64 seed) {
  if (!session_->hasModel()) return;
  LayersRequest r;
  r.sample = true, r.temperature = temperature, r.seed = seed;
  session_->requestLayers(r);
}

// One layer: its name and numbers, its channels as tiles, and (forward) its bits per pixel.
QWidget* LayersPanel::row(const LayerView& layer, int scale) const {
  auto* w = new QWidget;
  auto* h = new QHBoxLayout(w);
  h->setContentsMargins(0, 2, 0, 2);
  QString text = QString("<b>%1</b><br>%2×%3×%4, values %5 … %6").arg(layer.name.c_str()).arg(layer.channels).arg(layer.height)
                     .arg(layer.width).arg(layer.minValue, 0, 'g', 3).arg(layer.maxValue, 0, 'g', 3);
  const double dims = double(std::max(1, last_.image.channels * last_.width * last_.height));
  if (!layer.bits.empty()) text += tr("<br>%1 bits (%2 bits/dim, this draw of u)").arg(layer.totalBits, 0, 'f', 1).arg(layer.totalBits / dims, 0, 'f', 3);
  if (last_.inverse && layer.meanNewtonIterations > 0) text += tr("<br>%1 Newton iterations per coupling").arg(layer.meanNewtonIterations, 0, 'f', 1);
  auto* label = new QLabel(text);
  label->setFixedWidth(260);
  label->setWordWrap(true);
  h->addWidget(label);
  const int tileSide = std::max(1, 56 / std::max(1, layer.height)) * layer.height;  // about 56 px, whole pixels
  QImage strip(int(layer.tiles.size()) * (tileSide + 2), tileSide, QImage::Format_RGB32);
  strip.fill(palette().window().color());
  QPainter p(&strip);
  for (size_t i = 0; i < layer.tiles.size(); ++i) p.drawImage(QRect(int(i) * (tileSide + 2), 0, tileSide, tileSide), toQImage(layer.tiles[i]));
  p.end();
  auto* tiles = new QLabel;
  tiles->setPixmap(QPixmap::fromImage(strip));
  tiles->setToolTip(tr("Each channel of this layer's output, scaled to its own range (%1 of %2 channels shown)")
                        .arg(layer.tiles.size()).arg(layer.channels));
  h->addWidget(tiles);
  if (!layer.bits.empty()) {
    const auto [lo, hi] = std::minmax_element(layer.bits.begin(), layer.bits.end());
    auto* heat = new QLabel;
    heat->setPixmap(QPixmap::fromImage(heatmapImage(layer.bits, last_.width, last_.height, *lo, *hi)
                                           .scaled(last_.width * scale, last_.height * scale)));
    heat->setToolTip(tr("This layer's bits per pixel, from %1 (dark) to %2 (bright); negative values are bits the layer saves")
                         .arg(*lo, 0, 'f', 2).arg(*hi, 0, 'f', 2));
    h->addSpacing(12);
    h->addWidget(heat);
  }
  h->addStretch(1);
  return w;
}

void LayersPanel::showReport(const LayersReport& r) {
  last_ = r;
  while (rowsLayout_->count() > 1) {
    auto* item = rowsLayout_->takeAt(0);
    delete item->widget();
    delete item;
  }
  const int scale = std::max(1, 84 / std::max(1, r.height));
  for (const auto& layer : r.layers) rowsLayout_->insertWidget(rowsLayout_->count() - 1, row(layer, scale));
  summary_->setText(r.inverse ? tr("Inverse pass of a sample: z (top) is undone layer by layer down to the image (bottom). Each "
                                   "mixture coupling is inverted by Newton's method on its CDF.")
                              : tr("Forward pass of the image, x + u (top) to z (bottom). The layers' bits add up to %1 bits "
                                   "(%2 bits/dim) for this draw of the dequantization noise u: eq. (1) of the paper, term by term.")
                                    .arg(r.totalBits, 0, 'f', 1).arg(r.bitsPerDim, 0, 'f', 3));
  Q_EMIT layersShown();
}

bool LayersPanel::exportPng(const QString& path) const { return savePngAtomically(rows_->grab().toImage(), path); }

}  // namespace flowpp::ui
