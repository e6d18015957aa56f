#include "LikelihoodPanel.h"

#include <QCheckBox>
#include <QDoubleSpinBox>
#include <QCryptographicHash>
#include <QDataStream>
#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QStandardPaths>
#include <QFileDialog>
#include <QGridLayout>
#include <QGroupBox>
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

#include "Charts.h"
#include "DrawCanvas.h"
#include "PixelView.h"
#include "TensorImage.h"

namespace flowpp::ui {

namespace {
double quantile(QVector<double> v, double q) {
  if (v.isEmpty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::clamp(static_cast<int>(q * (v.size() - 1)), 0, static_cast<int>(v.size()) - 1)];
}
QPixmap colourBarPixmap(int w, int h) {
  QImage bar(w, h, QImage::Format_RGB32);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) bar.setPixelColor(x, y, viridis(1.0 - double(y) / (h - 1)));
  return QPixmap::fromImage(bar);
}
}  // namespace

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

LikelihoodPanel::LikelihoodPanel(ModelSession* session, std::function<QImage()> currentSample, QWidget* parent)
    : QWidget(parent), session_(session), currentSample_(std::move(currentSample)) {
  // Sources.
  index_ = new QSpinBox;
  index_->setEnabled(false);
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
  canvas_ = new DrawCanvas;
  note_ = new QLabel;
  note_->setWordWrap(true);

  // Views and scale.
  imageView_ = new PixelView;
  imageView_->setToolTip(tr("The image as the model sees it, with the heatmap overlaid (opacity below)"));
  heatView_ = new PixelView;
  heatView_->setToolTip(tr("Bits per pixel: −log₂ of the pixel's share of p(x). Bright pixels surprise the model."));
  pinnedView_ = new PixelView;
  pinnedView_->setToolTip(tr("The pinned image's heatmap, on the same colour scale"));
  pinnedLabel_ = new QLabel(tr("Pin an image to compare"));
  colourBar_ = new QLabel;
  colourBar_->setToolTip(tr("Colour scale in bits per pixel (channels summed)"));
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
  k_->setRange(1, 1024);
  k_->setValue(16);
  k_->setPrefix("K = ");
  k_->setToolTip(tr("Importance samples for the bound: log mean_k p(x+u_k)/q(u_k|x) — tighter than the ELBO as K grows"));
  auto* pin = new QPushButton(tr("Pin for comparison"));
  auto* png = new QPushButton(tr("Export PNG…"));
  auto* csv = new QPushButton(tr("Export CSV…"));
  totals_ = new QLabel;
  totals_->setWordWrap(true);
  cursor_ = new QLabel(tr("Hover the heatmap for values"));
  percentile_ = new QLabel;
  referenceButton_ = new QPushButton(tr("Test-set histogram"));
  referenceButton_->setToolTip(tr("Bits/dim of the open data set's images (computed once per model, in the background)"));
  cancelButton_ = new QPushButton(tr("Cancel"));
  cancelButton_->setEnabled(false);
  progress_ = new QProgressBar;
  progress_->setVisible(false);
  breakdownView_ = makeChartView(new QChart);
  histogramView_ = makeChartView(new QChart);

  auto* sources = new QHBoxLayout;
  sources->addWidget(new QLabel(tr("Data set #")));
  sources->addWidget(index_);
  for (auto* b : {sample, noise, digit, draw}) sources->addWidget(b);
  sources->addStretch();
  auto* views = new QGridLayout;
  views->addWidget(imageView_, 0, 0);
  views->addWidget(heatView_, 0, 1);
  views->addWidget(colourBar_, 0, 2);
  views->addWidget(pinnedView_, 0, 3);
  views->addWidget(canvas_, 0, 4);
  views->addWidget(opacity_, 1, 0);
  views->addWidget(cursor_, 1, 1);
  views->addWidget(pinnedLabel_, 1, 3);
  views->addWidget(new QLabel(tr("Draw here")), 1, 4);
  auto* controls = new QHBoxLayout;
  for (QWidget* w : std::initializer_list<QWidget*>{lock_, clip_, k_, pin, png, csv}) controls->addWidget(w);
  controls->addStretch();
  auto* reference = new QHBoxLayout;
  reference->addWidget(referenceButton_);
  reference->addWidget(cancelButton_);
  reference->addWidget(progress_);
  reference->addWidget(percentile_, 1);
  auto* charts = new QHBoxLayout;
  charts->addWidget(breakdownView_);
  charts->addWidget(histogramView_);
  auto* layout = new QVBoxLayout(this);
  layout->addLayout(sources);
  layout->addWidget(note_);
  layout->addLayout(views, 2);
  layout->addLayout(controls);
  layout->addWidget(totals_);
  layout->addLayout(reference);
  layout->addLayout(charts, 2);

  connect(index_, &QSpinBox::valueChanged, this, [this](int i) {
    if (i < dataset_.size()) setImage(dataset_[i], tr("data set #%1").arg(i));
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
  connect(canvas_, &DrawCanvas::drawn, this, [this] { setImage(canvas_->image(), tr("your drawing")); });
  connect(opacity_, &QSlider::valueChanged, this, &LikelihoodPanel::redraw);
  connect(lock_, &QCheckBox::toggled, this, &LikelihoodPanel::redraw);
  connect(clip_, &QDoubleSpinBox::valueChanged, this, &LikelihoodPanel::redraw);
  connect(k_, &QSpinBox::valueChanged, this, &LikelihoodPanel::request);
  connect(pin, &QPushButton::clicked, this, [this] {
    pinned_ = last_;
    hasPinned_ = true;
    pinnedLabel_->setText(tr("Pinned: %1 bits/dim").arg(pinned_.bpdMap, 0, 'f', 3));
    redraw();
  });
  connect(png, &QPushButton::clicked, this, &LikelihoodPanel::exportPng);
  connect(csv, &QPushButton::clicked, this, &LikelihoodPanel::exportCsv);
  connect(heatView_, &PixelView::hovered, this, [this](int x, int y) {
    if (x < 0 || last_.bits.isEmpty()) return cursor_->setText(tr("Hover the heatmap for values"));
    cursor_->setText(tr("pixel (%1, %2): %3 bits").arg(x).arg(y).arg(last_.bits[y * last_.width + x], 0, 'f', 3));
  });
  connect(referenceButton_, &QPushButton::clicked, this, [this] {
    referenceButton_->setEnabled(false);
    cancelButton_->setEnabled(true);
    progress_->setVisible(true);
    session_->requestReferenceHistogram(2000);
  });
  connect(cancelButton_, &QPushButton::clicked, session_, &ModelSession::cancelReferenceHistogram);
  connect(session_, &ModelSession::referenceProgress, this, [this](int done, int total) {
    progress_->setRange(0, total);
    progress_->setValue(done);
  });
  connect(session_, &ModelSession::referenceReady, this, &LikelihoodPanel::showReference);
  connect(session_, &ModelSession::likelihoodReady, this, &LikelihoodPanel::showResult);
  connect(session_, &ModelSession::modelOpened, this, [this](const ModelInfo& m) {
    canvas_->reset(m.width, m.height);
    if (referenceModel_ != m.path) reference_.clear();
    request();
  });
}

void LikelihoodPanel::setDataset(const QVector<QImage>& images) {
  dataset_ = images;
  index_->setRange(0, std::max(0, static_cast<int>(images.size()) - 1));
  index_->setEnabled(!images.isEmpty());
  if (!images.isEmpty() && image_.isNull()) setImage(images[0], tr("data set #0"));
}

void LikelihoodPanel::setImage(const QImage& image, const QString& origin) {
  if (image.isNull()) return;
  image_ = image;
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
  session_->requestLikelihood(r);
}

void LikelihoodPanel::showResult(const LikelihoodResult& r) {
  last_ = r;
  totals_->setText(tr("<b>%1 bits/dim</b> (heatmap, mean of 8 draws) · ELBO %2 · importance-weighted (K = %3) %4 · "
                      "total %5 bits for %6 sub-pixels")
                       .arg(r.bpdMap, 0, 'f', 3)
                       .arg(r.bpdElbo, 0, 'f', 3)
                       .arg(r.importanceSamples)
                       .arg(r.bpdIw, 0, 'f', 3)
                       .arg(r.totalBits, 0, 'f', 1)
                       .arg(r.bits.size() * session_->modelInfo().channels));
  redraw();
  updateBreakdown();
  updateHistogram();
  Q_EMIT likelihoodShown();
}

void LikelihoodPanel::redraw() {
  if (last_.bits.isEmpty()) return;
  if (!lock_->isChecked()) {
    QVector<double> all = last_.bits;
    if (hasPinned_) all += pinned_.bits;
    lo_ = *std::min_element(all.begin(), all.end());
    hi_ = quantile(all, clip_->value() / 100.0);
  }
  const QImage heat = heatmapImage(last_.bits, last_.width, last_.height, lo_, hi_);
  imageView_->setImage(last_.image);
  imageView_->setOverlay(heat, opacity_->value() / 100.0);
  heatView_->setImage(heat);
  if (hasPinned_) pinnedView_->setImage(heatmapImage(pinned_.bits, pinned_.width, pinned_.height, lo_, hi_));
  QPixmap bar = colourBarPixmap(18, 160);
  QPixmap labelled(90, 170);
  labelled.fill(palette().window().color());
  QPainter p(&labelled);
  p.drawPixmap(0, 5, bar);
  p.setPen(palette().windowText().color());
  p.drawText(22, 15, QString::number(hi_, 'f', 2));
  p.drawText(22, 165, QString::number(lo_, 'f', 2));
  p.drawText(22, 90, tr("bits/px"));
  colourBar_->setPixmap(labelled);
}

void LikelihoodPanel::updateBreakdown() {
  auto* chart = new QChart;
  chart->setTitle(tr("Where the bits come from (−log₂ of each term, summed over the image)"));
  auto* set = new QBarSet(tr("bits"));
  QStringList names;
  for (const auto& [name, bits] : last_.breakdownBits) {
    names << name;
    *set << bits;
  }
  auto* series = new QHorizontalBarSeries;
  series->append(set);
  series->setLabelsVisible(true);
  series->setLabelsFormat("@value");
  chart->addSeries(series);
  auto* cats = new QBarCategoryAxis;
  cats->append(names);
  chart->addAxis(cats, Qt::AlignLeft);
  series->attachAxis(cats);
  auto* values = new QValueAxis;
  values->setTitleText(tr("bits (negative = the term adds likelihood)"));
  chart->addAxis(values, Qt::AlignBottom);
  series->attachAxis(values);
  chart->legend()->setVisible(false);
  auto* old = breakdownView_->chart();
  breakdownView_->setChart(chart);
  delete old;
}

void LikelihoodPanel::showReference(const QVector<double>& bpd, bool cancelled) {
  referenceButton_->setEnabled(true);
  cancelButton_->setEnabled(false);
  progress_->setVisible(false);
  if (cancelled || bpd.isEmpty()) {
    percentile_->setText(tr("Histogram cancelled"));
    return;
  }
  reference_ = bpd;
  referenceModel_ = session_->modelInfo().path;
  QFile cache(referenceCachePath());
  if (!cache.fileName().isEmpty() && QDir().mkpath(QFileInfo(cache).path()) && cache.open(QIODevice::WriteOnly)) {
    QDataStream out(&cache);
    out << reference_;
  }
  updateHistogram();
}

QString LikelihoodPanel::referenceCachePath() const {
  // One cache file per model file and data set (keyed by path, size and modification time).
  const QFileInfo model(session_->modelInfo().path);
  if (!model.exists() || datasetPath_.isEmpty()) return {};
  const QByteArray key = (model.absoluteFilePath() + QString::number(model.size()) +
                          model.lastModified().toString(Qt::ISODate) + datasetPath_).toUtf8();
  return QStandardPaths::writableLocation(QStandardPaths::CacheLocation) + "/reference-" +
         QCryptographicHash::hash(key, QCryptographicHash::Sha1).toHex() + ".bin";
}

void LikelihoodPanel::setDatasetPath(const QString& path) {
  datasetPath_ = path;
  QFile cache(referenceCachePath());
  if (cache.fileName().isEmpty() || !cache.open(QIODevice::ReadOnly)) return;
  QDataStream in(&cache);
  QVector<double> values;
  in >> values;
  if (in.status() == QDataStream::Ok && !values.isEmpty()) {
    reference_ = values;
    referenceModel_ = session_->modelInfo().path;
    percentile_->setText(tr("Test-set histogram loaded from the cache (%1 images)").arg(values.size()));
    updateHistogram();
  }
}

void LikelihoodPanel::updateHistogram() {
  if (reference_.isEmpty()) return;
  const double lo = *std::min_element(reference_.begin(), reference_.end());
  const double hi = *std::max_element(reference_.begin(), reference_.end());
  const double a = std::min(lo, last_.bpdElbo) - 0.05, b = std::max(hi, last_.bpdElbo) + 0.05;
  QVector<double> counts(40, 0);
  for (double v : reference_) counts[std::clamp(static_cast<int>((v - a) / (b - a) * 40), 0, 39)] += 1;
  auto* chart = histogramChart(tr("Bits/dim of %1 data-set images").arg(reference_.size()), counts, a, b, false, -1,
                               last_.bpdElbo, tr("bits/dim (one-sample ELBO)"));
  auto* old = histogramView_->chart();
  histogramView_->setChart(chart);
  delete old;
  const double below = std::count_if(reference_.begin(), reference_.end(), [&](double v) { return v < last_.bpdElbo; });
  percentile_->setText(tr("This image: %1 bits/dim, percentile %2 of the data set (lower = more likely)")
                           .arg(last_.bpdElbo, 0, 'f', 3)
                           .arg(100.0 * below / reference_.size(), 0, 'f', 1));
}

void LikelihoodPanel::exportPng() {
  const QString path = QFileDialog::getSaveFileName(this, tr("Export heatmap"), "heatmap.png", tr("PNG images (*.png)"));
  if (path.isEmpty() || last_.bits.isEmpty()) return;
  heatmapImage(last_.bits, last_.width, last_.height, lo_, hi_).scaled(last_.width * 8, last_.height * 8).save(path, "PNG");
}

void LikelihoodPanel::exportCsv() {
  const QString path = QFileDialog::getSaveFileName(this, tr("Export heatmap values"), "heatmap.csv", tr("CSV files (*.csv)"));
  if (path.isEmpty() || last_.bits.isEmpty()) return;
  QFile f(path);
  if (!f.open(QIODevice::WriteOnly | QIODevice::Truncate)) return;
  QTextStream out(&f);
  out << "row,col,bits\n";
  for (int y = 0; y < last_.height; ++y)
    for (int x = 0; x < last_.width; ++x) out << y << "," << x << "," << last_.bits[y * last_.width + x] << "\n";
}

}  // namespace flowpp::ui
