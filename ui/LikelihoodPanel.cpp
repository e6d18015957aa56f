#include "LikelihoodPanel.h"

#include <QCheckBox>
#include <QDoubleSpinBox>
#include <QFile>
#include <QFileDialog>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QPainter>
#include <QProgressBar>
#include <QPushButton>
#include <QRandomGenerator>
#include <QSlider>
#include <QSpinBox>
#include <QTextStream>
#include <QVBoxLayout>
#include <QtCharts/QBarCategoryAxis>
#include <QtCharts/QBarSet>
#include <QtCharts/QHorizontalBarSeries>
#include <QtCharts/QValueAxis>

#include <algorithm>
#include <cmath>

#include "Charts.h"
#include "ColourBar.h"
#include "DrawCanvas.h"
#include "PixelView.h"
#include "PixelsImage.h"
#include "ReferenceHistogram.h"
#include "explore/Statistics.h"
#include "ExportFigure.h"
#include "ExportFile.h"

namespace flowpp::ui {

QString LikelihoodPanel::digitsPath() {
  const QString p = "/usr/share/doc/opencv-doc/examples/data/digits.png";
  return QFile::exists(p) ? p : QString();
}

QImage LikelihoodPanel::mnistDigit(int index) {
  static QImage sheet;  // 2000x1000: 100 columns x 50 rows of 20x20 digits
  if (sheet.isNull() && !digitsPath().isEmpty()) sheet = QImage(digitsPath()).convertToFormat(QImage::Format_Grayscale8);
  if (sheet.isNull()) return {};
  index = std::clamp(index, 0, 4999);
  QImage digit(28, 28, QImage::Format_Grayscale8);
  digit.fill(Qt::black);
  QPainter p(&digit);
  p.drawImage(4, 4, sheet.copy((index % 100) * 20, (index / 100) * 20, 20, 20));
  return digit;
}

QWidget* LikelihoodPanel::buildSources() {
  index_ = new QSpinBox;
  index_->setEnabled(false);
  index_->setRange(-1, -1);
  index_->setSpecialValueText(tr("–"));  // the image shown is not from the data set
  index_->setToolTip(tr("Image of the open data set"));
  auto* sample = new QPushButton(tr("Sample"));
  sample->setToolTip(tr("The sample selected in the Samples tab"));
  auto* noise = new QPushButton(tr("Noise"));
  noise->setToolTip(tr("Uniform random pixels: far outside the training distribution"));
  auto* digit = new QPushButton(tr("MNIST digit"));
  digit->setToolTip(tr("A handwritten digit from opencv-doc's digits.png (padded 20×20 → 28×28): the classic "
                       "out-of-distribution test; flows often give digits a *higher* likelihood than clothing."));
  digit->setEnabled(!digitsPath().isEmpty());
  auto* draw = new QPushButton(tr("Use drawing"));
  draw->setToolTip(tr("Score what you drew on the canvas"));
  auto* box = new QWidget;
  auto* sources = new QHBoxLayout(box);
  sources->setContentsMargins(0, 0, 0, 0);
  sources->addWidget(new QLabel(tr("Data set #")));
  sources->addWidget(index_);
  for (auto* b : {sample, noise, digit, draw}) sources->addWidget(b);
  sources->addStretch();
  connect(index_, &QSpinBox::valueChanged, this, [this](int i) {
    if (i >= 0 && i < dataset_.size()) setImage(dataset_[i], tr("data set #%1").arg(i), i);
  });
  connect(sample, &QPushButton::clicked, this, [this] {
    const QImage img = currentSample_ ? currentSample_() : QImage();
    if (!img.isNull()) setImage(img, tr("a sample"));
  });
  connect(noise, &QPushButton::clicked, this, [this] {
    const auto& m = session_->modelInfo();
    QImage img(m.width, m.height, m.channels == 1 ? QImage::Format_Grayscale8 : QImage::Format_RGB888);
    for (int y = 0; y < img.height(); ++y)
      for (int x = 0; x < img.bytesPerLine(); ++x) img.scanLine(y)[x] = static_cast<uchar>(QRandomGenerator::global()->bounded(256));
    setImage(img, tr("uniform noise"));
  });
  connect(digit, &QPushButton::clicked, this, [this] {
    const int i = QRandomGenerator::global()->bounded(5000);
    setImage(mnistDigit(i), tr("MNIST digit #%1 (opencv-doc digits.png, padded to 28×28)").arg(i));
  });
  connect(draw, &QPushButton::clicked, this, [this] { setImage(canvas_->image(), tr("your drawing")); });
  return box;
}

LikelihoodPanel::LikelihoodPanel(ModelSession* session, std::function<QImage()> currentSample, QWidget* parent)
    : QWidget(parent), session_(session), currentSample_(std::move(currentSample)) {
  auto* sources = buildSources();
  canvas_ = new DrawCanvas;
  note_ = new QLabel;
  note_->setWordWrap(true);
  imageView_ = new PixelView;
  imageView_->setToolTip(tr("The image as the model sees it, with the heatmap overlaid (opacity below)"));
  heatView_ = new PixelView;
  heatView_->setToolTip(tr("Bits per pixel: −log₂ of the pixel's share of p(x). Bright pixels surprise the model."));
  pinnedView_ = new PixelView;
  pinnedView_->setToolTip(tr("The pinned image's heatmap, on the same colour scale"));
  pinnedLabel_ = new QLabel(tr("Pin an image to compare"));
  auto* bar = new ColourBar(tr("bits/px"));
  opacity_ = new QSlider(Qt::Horizontal);
  opacity_->setRange(0, 100);
  opacity_->setValue(50);
  opacity_->setToolTip(tr("Opacity of the heatmap over the image"));
  lock_ = new QCheckBox(tr("Lock scale"));
  lock_->setToolTip(tr("Keep the colour scale fixed across images so their maps can be compared"));
  clip_ = new QDoubleSpinBox;
  clip_->setRange(50, 100);
  clip_->setValue(99);
  clip_->setSuffix(tr(" % quantile"));
  clip_->setToolTip(tr("Top of the colour scale: this quantile of the pixel values (outliers saturate)"));
  k_ = new QSpinBox;
  k_->setRange(1, 16384);
  k_->setValue(16);
  k_->setPrefix("K = ");
  k_->setToolTip(tr("Importance samples for the bound: log mean_k p(x+u_k)/q(u_k|x), tighter than the ELBO as K grows "
                    "(paper sec. 4.1; the paper used K = 16384 on CIFAR-10). K above %1 runs in the background.")
                     .arg(ModelSession::kInteractiveImportanceSamples));
  auto* pin = new QPushButton(tr("Pin for comparison"));
  auto* png = new QPushButton(tr("Export PNG…"));
  auto* csv = new QPushButton(tr("Export CSV…"));
  totals_ = new QLabel;
  totals_->setWordWrap(true);
  state_ = new QLabel;
  cursor_ = new QLabel(tr("Hover the heatmap for values"));
  cancelButton_ = new QPushButton(tr("Cancel bound"));
  cancelButton_->setVisible(false);
  cancelButton_->setToolTip(tr("Stop computing the importance-weighted bound (within a second)"));
  progress_ = new QProgressBar;
  progress_->setVisible(false);
  breakdownView_ = makeChartView(placeholderChart(tr("Where an image's bits come from (by term of log p(x)) appears here")));
  reference_ = new ReferenceHistogram(session_);

  auto* views = new QGridLayout;
  views->addWidget(imageView_, 0, 0);
  views->addWidget(heatView_, 0, 1);
  views->addWidget(bar, 0, 2);
  views->addWidget(pinnedView_, 0, 3);
  views->addWidget(canvas_, 0, 4);
  views->addWidget(opacity_, 1, 0);
  views->addWidget(cursor_, 1, 1);
  views->addWidget(pinnedLabel_, 1, 3);
  auto* clearCanvas = new QPushButton(tr("Clear"));
  clearCanvas->setToolTip(tr("Clear the drawing"));
  connect(clearCanvas, &QPushButton::clicked, canvas_, &DrawCanvas::clear);
  auto* drawRow = new QHBoxLayout;
  drawRow->addWidget(new QLabel(tr("Draw here")));
  drawRow->addWidget(clearCanvas);
  views->addLayout(drawRow, 1, 4);
  auto* controls = new QHBoxLayout;
  for (QWidget* w : std::initializer_list<QWidget*>{lock_, clip_, k_, pin, png, csv}) controls->addWidget(w);
  controls->addStretch();
  auto* state = new QHBoxLayout;
  state->addWidget(state_, 1);
  state->addWidget(progress_);
  state->addWidget(cancelButton_);
  auto* charts = new QHBoxLayout;
  charts->addWidget(breakdownView_, 3);  // its layer names need the width
  charts->addWidget(reference_, 2);
  auto* layout = new QVBoxLayout(this);
  layout->addWidget(sources);
  layout->addWidget(note_);
  layout->addLayout(views, 2);
  layout->addLayout(controls);
  layout->addWidget(totals_);
  layout->addLayout(state);
  layout->addLayout(charts, 2);

  connect(canvas_, &DrawCanvas::drawn, this, [this] { setImage(canvas_->image(), tr("your drawing")); });
  connect(opacity_, &QSlider::valueChanged, this, &LikelihoodPanel::redraw);
  connect(lock_, &QCheckBox::toggled, this, &LikelihoodPanel::redraw);
  connect(clip_, &QDoubleSpinBox::valueChanged, this, &LikelihoodPanel::redraw);
  // Typed numbers count when Enter is pressed or the field loses focus (arrows step at once): a
  // K typed digit by digit never computes the bounds for 1, 16 and 160 on the way to 1600.
  k_->setKeyboardTracking(false);
  connect(k_, &QSpinBox::valueChanged, this, &LikelihoodPanel::request);
  connect(this, &LikelihoodPanel::likelihoodShown, bar, [this, bar] { bar->setRange(lo_, hi_); });
  connect(pin, &QPushButton::clicked, this, [this] {
    pinned_ = last_;
    hasPinned_ = true;
    pinnedLabel_->setText(tr("Pinned: %1 bits/dim (heatmap mean)").arg(pinned_.bpdMap, 0, 'f', 3));
    redraw();
  });
  connect(png, &QPushButton::clicked, this, &LikelihoodPanel::exportPng);
  connect(csv, &QPushButton::clicked, this, &LikelihoodPanel::exportCsv);
  connect(heatView_, &PixelView::hovered, this, [this](int x, int y) {
    hovered_ = {x, y};
    updateCursor();
  });
  connect(cancelButton_, &QPushButton::clicked, this, [this] { session_->cancel(JobKind::LikelihoodBound); });
  connect(session_, &ModelSession::jobState, this, &LikelihoodPanel::showJobState);
  connect(session_, &ModelSession::likelihoodReady, this, &LikelihoodPanel::showResult);
  connect(session_, &ModelSession::boundReady, this, &LikelihoodPanel::showBound);
  connect(session_, &ModelSession::modelOpened, this, [this](const ModelInfo& m) {
    canvas_->reset(m.width, m.height);
    request();
  });
}

void LikelihoodPanel::setDataset(const QVector<QImage>& images) {
  dataset_ = images;
  {
    const QSignalBlocker block(index_);
    index_->setRange(-1, static_cast<int>(images.size()) - 1);
  }
  index_->setEnabled(!images.isEmpty());
  if (!images.isEmpty() && image_.isNull()) setImage(images[0], tr("data set #0"), 0);
}

void LikelihoodPanel::setImportanceSamples(int k) { k_->setValue(k); }

void LikelihoodPanel::setImage(const QImage& image, const QString& origin, int datasetIndex) {
  if (image.isNull()) return;
  image_ = image;
  {
    const QSignalBlocker block(index_);
    index_->setValue(datasetIndex);  // "–" for an image from elsewhere: the box never names another image
  }
  origin_ = origin;
  const auto& m = session_->modelInfo();
  QString note = tr("Image: %1").arg(origin);
  if (session_->hasModel() && (image.width() != m.width || image.height() != m.height))
    note += tr(" — resized from %1×%2 to %3×%4").arg(image.width()).arg(image.height()).arg(m.width).arg(m.height);
  if (session_->hasModel() && m.channels == 1 && !image.isGrayscale()) note += tr(" — converted to grey");
  note_->setText(note);
  request();
}

void LikelihoodPanel::request() {
  if (!session_->hasModel() || image_.isNull()) return;
  LikelihoodRequest r;
  r.image = image_;
  r.importanceSamples = k_->value();
  lastId_ = session_->requestLikelihood(r);
}

void LikelihoodPanel::showResult(quint64 id, const LikelihoodReport& r) {
  if (id != lastId_) return;  // a newer request is on its way
  last_ = r;
  updateTotals();
  updateCursor();  // the value under the pointer is the new image's
  redraw();
  updateBreakdown();
  reference_->setImageBpd(r.bpdElbo);
  Q_EMIT likelihoodShown();
}

void LikelihoodPanel::showBound(const BoundReport& b) {
  if (b.requestId != lastId_ || b.cancelled) return;
  last_.bpdElbo = b.bpdElbo, last_.bpdIw = b.bpdIw, last_.importanceSamples = b.importanceSamples;
  updateTotals();
  reference_->setImageBpd(last_.bpdElbo);
  Q_EMIT boundShown();
}

QString LikelihoodPanel::totalsText() const { return totals_->text(); }
QString LikelihoodPanel::cursorText() const { return cursor_->text(); }
int LikelihoodPanel::datasetIndex() const { return index_->value(); }

void LikelihoodPanel::updateCursor() {
  const auto [x, y] = hovered_;
  if (x < 0 || y < 0 || x >= last_.width || last_.bits.empty() || size_t(y) * last_.width + x >= last_.bits.size())
    return cursor_->setText(tr("Hover the heatmap for values"));
  cursor_->setText(tr("pixel (%1, %2): %3 bits").arg(x).arg(y).arg(last_.bits[size_t(y) * last_.width + x], 0, 'f', 3));
}

void LikelihoodPanel::updateTotals() {
  const QString iw = std::isnan(last_.bpdIw) ? tr("computing in the background…") : QString::number(last_.bpdIw, 'f', 3);
  totals_->setText(tr("<b>%1 bits/dim</b> (heatmap, mean of %2 draws) · ELBO %3 · importance-weighted (K = %4): %5 · "
                      "total %6 bits for %7 sub-pixels")
                       .arg(last_.bpdMap, 0, 'f', 3)
                       .arg(last_.mapSamples)
                       .arg(last_.bpdElbo, 0, 'f', 3)
                       .arg(last_.importanceSamples)
                       .arg(iw)
                       .arg(last_.totalBits, 0, 'f', 1)
                       .arg(last_.bits.size() * last_.channels));
}

void LikelihoodPanel::showJobState(JobKind kind, JobState state, qint64 done, qint64 total) {
  const bool active = state == JobState::Waiting || state == JobState::Running;
  if (kind == JobKind::Likelihood)
    state_->setText(state == JobState::Waiting ? tr("Waiting for the worker…") : state == JobState::Running ? tr("Scoring the image…") : QString());
  if (kind != JobKind::LikelihoodBound) return;
  progress_->setVisible(active);
  cancelButton_->setVisible(active);
  progress_->setRange(0, total > 0 ? 1000 : 0);  // a busy indicator until the first chunk reports
  if (total > 0) progress_->setValue(int(1000 * done / total));
  progress_->setFormat(tr("bound %p%"));
  if (active) state_->setText(tr("Importance-weighted bound with K = %1 in the background…").arg(last_.importanceSamples));
  if (state == JobState::Cancelled) state_->setText(tr("Bound cancelled: the ELBO above is from one draw per image."));
}

void LikelihoodPanel::redraw() {
  if (last_.bits.empty()) return;
  if (!lock_->isChecked()) {
    std::vector<double> all = last_.bits;
    if (hasPinned_) all.insert(all.end(), pinned_.bits.begin(), pinned_.bits.end());
    lo_ = *std::min_element(all.begin(), all.end());
    hi_ = quantileOf(all, clip_->value() / 100.0);
  }
  const QImage heat = heatmapImage(last_.bits, last_.width, last_.height, lo_, hi_);
  imageView_->setImage(toQImage(last_.image));
  imageView_->setOverlay(heat, opacity_->value() / 100.0);
  heatView_->setImage(heat);
  if (hasPinned_) pinnedView_->setImage(heatmapImage(pinned_.bits, pinned_.width, pinned_.height, lo_, hi_));
}

void LikelihoodPanel::updateBreakdown() {
  auto* chart = new QChart;
  chart->setTitle(tr("Where the bits come from (−log₂ of each term, summed over the image)"));
  auto* set = new QBarSet(tr("bits"));
  QStringList names;
  double lo = 0, hi = 0;
  for (const auto& [name, bits] : last_.breakdownBits) {
    // The value goes in the category's name: Qt Charts drew no bar labels here, whatever the position.
    names << QString("%1  %2%3").arg(QString::fromStdString(name), bits > 0 ? "+" : "").arg(bits, 0, 'f', 0);
    *set << bits;
    lo = std::min(lo, bits), hi = std::max(hi, bits);
  }
  auto* series = new QHorizontalBarSeries;
  series->append(set);
  chart->addSeries(series);
  auto* cats = new QBarCategoryAxis;
  cats->append(names);
  chart->addAxis(cats, Qt::AlignLeft);
  series->attachAxis(cats);
  auto* values = new QValueAxis;
  values->setTitleText(tr("bits (negative: the term adds likelihood)"));
  const double step = niceStep(std::max(hi - lo, 1.0), 4);
  values->setRange(std::floor(lo / step) * step, std::ceil(hi / step) * step);
  values->setTickType(QValueAxis::TicksDynamic);
  values->setTickAnchor(0);
  values->setTickInterval(step);
  values->setLabelFormat("%.0f");
  chart->addAxis(values, Qt::AlignBottom);
  series->attachAxis(values);
  chart->legend()->setVisible(false);
  replaceChart(breakdownView_, chart);
}

void LikelihoodPanel::setDatasetPath(const QString& path) { reference_->setDatasetPath(path); }

void LikelihoodPanel::exportPng() {
  const QString path = QFileDialog::getSaveFileName(this, tr("Export heatmap"), "heatmap.png", tr("PNG images (*.png)"));
  if (path.isEmpty() || last_.bits.empty()) return;
  const ColourScale scale{lo_, hi_, tr("bits/px"), 2};
  const QString caption = tr("Bits per pixel of %1 under %2: %3 bits/dim (heatmap: mean of %4 dequantization draws). "
                             "Colours from %5 to %6 bits; brighter pixels cost more.")
                              .arg(origin_, session_->modelInfo().name).arg(last_.bpdMap, 0, 'f', 3).arg(last_.mapSamples)
                              .arg(lo_, 0, 'f', 2).arg(hi_, 0, 'f', 2);
  if (!savePngAtomically(exportFigure(heatmapImage(last_.bits, last_.width, last_.height, lo_, hi_), caption, 8, &scale), path))
    state_->setText(tr("Could not write %1").arg(path));
}

void LikelihoodPanel::exportCsv() {
  const QString path = QFileDialog::getSaveFileName(this, tr("Export heatmap values"), "heatmap.csv", tr("CSV files (*.csv)"));
  if (path.isEmpty() || last_.bits.empty()) return;
  const bool written = saveTextAtomically(path, [&](QTextStream& out) {
    out << "row,col,bits\n";
    for (int y = 0; y < last_.height; ++y)
      for (int x = 0; x < last_.width; ++x) out << y << "," << x << "," << last_.bits[size_t(y) * last_.width + x] << "\n";
  });
  if (!written) state_->setText(tr("Could not write %1").arg(path));
}

}  // namespace flowpp::ui
