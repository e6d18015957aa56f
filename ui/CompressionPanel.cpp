#include "CompressionPanel.h"

#include <QFileDialog>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QProgressBar>
#include <QPushButton>
#include <QSaveFile>
#include <QSpinBox>
#include <QTableWidget>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>

#include "ColourBar.h"
#include "JobProgress.h"
#include "PixelView.h"
#include "PixelsImage.h"
#include "explore/Statistics.h"

namespace flowpp::ui {

namespace {
QTableWidget* makeTable(const QStringList& headers) {
  auto* t = new QTableWidget(0, int(headers.size()));
  t->setHorizontalHeaderLabels(headers);
  t->verticalHeader()->setVisible(false);
  t->setEditTriggers(QAbstractItemView::NoEditTriggers);
  t->setSelectionMode(QAbstractItemView::NoSelection);
  t->horizontalHeader()->setSectionResizeMode(0, QHeaderView::Stretch);
  for (int c = 1; c < headers.size(); ++c) t->horizontalHeader()->setSectionResizeMode(c, QHeaderView::ResizeToContents);
  // As tall as its rows: the tables never scroll, and the image takes the room left.
  t->setSizeAdjustPolicy(QAbstractScrollArea::AdjustToContents);
  t->setVerticalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
  t->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
  t->setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Fixed);
  return t;
}

void setRow(QTableWidget* t, int row, const QStringList& cells, const QString& tip) {
  if (t->rowCount() <= row) t->setRowCount(row + 1);
  for (int c = 0; c < cells.size(); ++c) {
    auto* item = new QTableWidgetItem(cells[c]);
    if (c > 0) item->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
    item->setToolTip(tip);
    t->setItem(row, c, item);
  }
}
}  // namespace

CompressionPanel::CompressionPanel(ModelSession* session, QWidget* parent) : QWidget(parent), session_(session) {
  index_ = new QSpinBox;
  index_->setEnabled(false);
  index_->setToolTip(tr("Image of the open data set"));
  image_ = new PixelView;
  image_->setToolTip(tr("The image being coded"));
  codedMap_ = new PixelView;
  codedMap_->setToolTip(tr("Bits each pixel adds to the file: the coder's stack, measured before and after each of the "
                           "pixel's values is coded in every layer (the noise popped, each layer's local bits-back step, "
                           "z pushed), summed per pixel"));
  modelMap_ = new PixelView;
  modelMap_->setToolTip(tr("The model's −log₂ of the pixel's share of p(x + u) / q(u | x) for the same noise u: the "
                           "Likelihood tab's heatmap for this one draw"));
  scale_ = new ColourBar(tr("bits/px"));
  scale_->setMinimumWidth(scale_->sizeHint().width());
  scale_->setToolTip(tr("One colour scale for both maps: from the lowest pixel to the 99th percentile"));
  mapNote_ = new QLabel;
  mapNote_->setWordWrap(true);
  pixel_ = new QLabel(tr("Hover a map for a pixel's values"));
  state_ = new QLabel;
  summary_ = new QLabel;
  summary_->setWordWrap(true);
  sizes_ = makeTable({tr("File of this image"), tr("bytes"), tr("bits/dim"), tr("size")});
  sizes_->horizontalHeaderItem(0)->setToolTip(tr("Each row is a real file of this image's pixels, or a bound (not a file)"));
  ledger_ = makeTable({tr("Bits-back step (inside an archive)"), tr("bits"), tr("bits/dim")});
  save_ = new QPushButton(tr("&Save as .fppz…"));
  save_->setToolTip(tr("Write this image's one-image .fppz file (flowpp decompress restores it exactly)"));
  save_->setEnabled(false);
  compress_ = new QPushButton(tr("&Compress the data set…"));
  compress_->setToolTip(tr("Code every image of the open data set into one .fppz archive in the background; the file "
                           "is decoded and compared before it is kept. Ctrl+Shift+C"));
  compress_->setShortcut(QKeySequence(tr("Ctrl+Shift+C")));
  progress_ = new QProgressBar;
  progress_->setVisible(false);
  progress_->setFormat(tr("%p%"));
  cancel_ = new QPushButton(tr("Cancel"));
  cancel_->setVisible(false);
  cancel_->setToolTip(tr("Stop compressing (within a second); nothing is written"));
  datasetResult_ = new QLabel;
  datasetResult_->setWordWrap(true);
  datasetResult_->setTextInteractionFlags(Qt::TextSelectableByMouse);

  auto* top = new QHBoxLayout;
  top->addWidget(new QLabel(tr("Data set #")));
  top->addWidget(index_);
  top->addWidget(state_, 1);
  top->addWidget(save_);
  auto* tables = new QVBoxLayout;
  tables->addWidget(sizes_);
  tables->addWidget(ledger_);
  tables->addStretch(1);
  auto caption = [](const QString& text) {
    auto* l = new QLabel(text);
    l->setAlignment(Qt::AlignHCenter | Qt::AlignBottom);
    l->setWordWrap(true);
    return l;
  };
  // Left: the image and its two maps in a row, what they say, and the summary; right: the tables.
  auto* maps = new QGridLayout;
  maps->addWidget(caption(tr("Image")), 0, 0);
  maps->addWidget(caption(tr("Coded: bits in the file")), 0, 1);
  maps->addWidget(caption(tr("Model: −log₂ p, same noise")), 0, 2);
  maps->addWidget(image_, 1, 0);
  maps->addWidget(codedMap_, 1, 1);
  maps->addWidget(modelMap_, 1, 2);
  maps->addWidget(scale_, 1, 3);
  maps->addWidget(pixel_, 2, 0, 1, 4);
  maps->addWidget(mapNote_, 3, 0, 1, 4);
  maps->addWidget(summary_, 4, 0, 1, 4);
  maps->setRowStretch(1, 3);
  maps->setRowStretch(5, 1);
  auto* middle = new QHBoxLayout;
  middle->addLayout(maps, 2);
  middle->addLayout(tables, 3);
  auto* bottom = new QHBoxLayout;
  bottom->addWidget(compress_);
  bottom->addWidget(progress_, 1);
  bottom->addWidget(cancel_);
  bottom->addStretch(0);
  auto* layout = new QVBoxLayout(this);
  layout->addLayout(top);
  layout->addLayout(middle, 1);
  layout->addLayout(bottom);
  layout->addWidget(datasetResult_);
  layout->addStretch(0);

  connect(index_, &QSpinBox::valueChanged, this, &CompressionPanel::request);
  connect(codedMap_, &PixelView::hovered, this, &CompressionPanel::showPixel);
  connect(modelMap_, &PixelView::hovered, this, &CompressionPanel::showPixel);
  connect(save_, &QPushButton::clicked, this, &CompressionPanel::saveImageFile);
  connect(compress_, &QPushButton::clicked, this, &CompressionPanel::compressDataset);
  connect(cancel_, &QPushButton::clicked, this, [this] { session_->cancel(JobKind::Compression); });
  connect(session_, &ModelSession::codeLengthsReady, this, &CompressionPanel::showResult);
  connect(session_, &ModelSession::compressionFinished, this, &CompressionPanel::showCompression);
  connect(session_, &ModelSession::jobState, this, &CompressionPanel::showJobState);
  connect(session_, &ModelSession::modelOpened, this, [this] {
    requested_ = QImage();  // another model: the image is coded again
    request();
  });
}

void CompressionPanel::setDataset(const QVector<QImage>& images) {
  dataset_ = images;
  index_->setRange(0, std::max(0, int(images.size()) - 1));
  index_->setEnabled(!images.isEmpty());
  request();
}

void CompressionPanel::request() {
  if (!session_->hasModel() || dataset_.isEmpty()) return;
  // Start-up asks twice (the model opens, the data set arrives): the same image is coded once.
  const QImage image = dataset_.value(index_->value());
  if (image == requested_) return;
  requested_ = image;
  // The image, its maps and its tables change together when its result arrives (showResult).
  session_->requestCodeLengths({image});
}

void CompressionPanel::showJobState(JobKind kind, JobState state, qint64 done, qint64 total) {
  if (kind == JobKind::CodeLengths)
    state_->setText(state == JobState::Waiting || state == JobState::Running ? tr("Coding the image…") : QString());
  if (kind == JobKind::CodeLengths && state == JobState::Failed) requested_ = QImage();  // may be asked again
  if (kind != JobKind::Compression) return;
  const bool active = showJobProgress(progress_, cancel_, state, done, total);
  compress_->setEnabled(!active);
  if (active) datasetResult_->setText(tr("Compressing %1 images: each is coded, then the file is decoded and compared…").arg(dataset_.size()));
  if (state == JobState::Failed) datasetResult_->setText(tr("Compression failed; nothing was written (see the message above)."));
}

void CompressionPanel::showResult(const CodeLengthReport& r) {
  last_ = r;
  image_->setImage(r.image);
  save_->setEnabled(!r.singleFile.isEmpty());
  showSizes(r);
  showLedger(r);
  showMaps(r);
  summary_->setText(tr("Inside an archive this image costs <b>%1 bits/dim</b> (%2 bytes), the model's bound for the same "
                       "noise is %3 bits/dim: the file's size is the bound, plus a fraction of a bit. Alone, the flow's "
                       "code also pays the %4 bits/dim the stack lends it at the start, so the one-image file holds the "
                       "smaller of that and the best classical file (%5).")
                        .arg(r.netBits / double(r.dims), 0, 'f', 3)
                        .arg(qint64(std::ceil(r.netBits / 8)))
                        .arg(r.boundBits / double(r.dims), 0, 'f', 3)
                        .arg((r.singleFlowBits - r.netBits) / double(r.dims), 0, 'f', 1)
                        .arg(r.singleCodedWith));
  Q_EMIT codeLengthsShown();
}

void CompressionPanel::showSizes(const CodeLengthReport& r) {
  struct Row {
    QString name;
    double bits;
    QString tip;
  };
  std::vector<Row> rows = {
      {tr("Flow++, inside an archive (this image's share)"), r.netBits,
       tr("The bits this image adds to a .fppz archive of many images (flowpp compress --data): measured on the coder's stack")},
      {tr("Flow++ bound −log₂ p(x+u) + log₂ q(u|x) (not a file)"), r.boundBits,
       tr("The model's one-sample bound for the noise the coder drew: what the archive's share approaches")}};
  for (int i = 0; i < r.classicalNames.size(); ++i)
    rows.push_back({r.classicalNames[i], 8.0 * double(r.classicalBytes[i]), tr("The library's whole file of these pixels: %1").arg(r.classicalSettings[i])});
  rows.push_back({tr("Flow++ alone, with its initial bits"), r.singleFlowBits,
                  tr("A one-image file with the flow's code: the dequantization noise borrows ~34 bits/dim that no earlier "
                     "image provides")});
  rows.push_back({tr(".fppz of this image (holds: %1)").arg(r.singleCodedWith), 8.0 * double(r.singleFile.size()),
                  tr("What Save writes: the smaller of the two above it, plus an 18-byte header with checksums")});
  double scale = 1;
  for (const auto& row : rows)
    if (!row.name.startsWith(tr("Flow++ alone"))) scale = std::max(scale, row.bits);
  sizes_->setRowCount(0);
  for (int i = 0; i < int(rows.size()); ++i) {
    const auto& row = rows[size_t(i)];
    setRow(sizes_, i, {row.name, QString::number(qint64(std::ceil(row.bits / 8))), QString::number(row.bits / double(r.dims), 'f', 3)}, row.tip);
    auto* bar = new QProgressBar;
    bar->setRange(0, 1000);
    bar->setValue(int(std::min(1000.0, 1000.0 * row.bits / scale)));
    bar->setTextVisible(row.bits > scale);
    bar->setFormat(tr("%1× off the scale").arg(row.bits / scale, 0, 'f', 1));
    bar->setToolTip(row.tip);
    sizes_->setCellWidget(i, 3, bar);
  }
}

void CompressionPanel::showLedger(const CodeLengthReport& r) {
  const double d = double(r.dims);
  const std::vector<std::pair<QString, double>> rows = {
      {tr("1. Pop the dequantization noise off the stack (bits given back)"), r.noiseBits},
      {tr("2. Dequantizer's layers and sigmoid, noise → u (local bits-back)"), r.dequantizerBits},
      {tr("3. Flow's layers, x + u → z: the Jacobian's bits (local bits-back)"), r.flowBits},
      {tr("4. Push z under the prior N(0, I)"), r.priorBits},
      {tr("Net: what the image adds to the file"), r.netBits}};
  const QString tip = tr("The stack's growth at each step of the encoder, measured in bits; negative steps take bits off");
  ledger_->setRowCount(0);
  for (int i = 0; i < int(rows.size()); ++i)
    setRow(ledger_, i, {rows[size_t(i)].first, QString::number(rows[size_t(i)].second, 'f', 1), QString::number(rows[size_t(i)].second / d, 'f', 3)}, tip);
}

void CompressionPanel::showMaps(const CodeLengthReport& r) {
  if (r.codedBits.empty() || r.codedBits.size() != r.modelBits.size()) return;
  std::vector<double> all = r.codedBits;
  all.insert(all.end(), r.modelBits.begin(), r.modelBits.end());
  const double lo = *std::min_element(all.begin(), all.end()), hi = std::max(lo + 1e-9, quantileOf(all, 0.99));
  codedMap_->setImage(heatmapImage(r.codedBits, r.width, r.height, lo, hi));
  modelMap_->setImage(heatmapImage(r.modelBits, r.width, r.height, lo, hi));
  scale_->setRange(lo, hi, 1);
  std::vector<double> diff(r.codedBits.size());
  for (size_t i = 0; i < diff.size(); ++i) diff[i] = std::abs(r.codedBits[i] - r.modelBits[i]);
  double mean = 0;
  for (double d : diff) mean += d / double(diff.size());
  mapNote_->setText(tr("Per pixel the file's bits follow the model's map: they differ by %1 bits on average (%2 at most) "
                       "— the coding overhead of the local bits-back steps.")
                        .arg(mean, 0, 'f', 3)
                        .arg(*std::max_element(diff.begin(), diff.end()), 0, 'f', 2));
  showPixel(-1, -1);
}

void CompressionPanel::showPixel(int x, int y) {
  if (x < 0 || y < 0 || last_.codedBits.empty() || x >= last_.width || y >= last_.height)
    return pixel_->setText(tr("Hover a map for a pixel's values"));
  const size_t at = size_t(y) * size_t(last_.width) + size_t(x);
  pixel_->setText(tr("pixel (%1, %2): %3 bits in the file, model %4 bits")
                      .arg(x)
                      .arg(y)
                      .arg(last_.codedBits[at], 0, 'f', 3)
                      .arg(last_.modelBits[at], 0, 'f', 3));
}

void CompressionPanel::saveImageFile() {
  if (last_.singleFile.isEmpty()) return;
  const QString path = QFileDialog::getSaveFileName(this, tr("Save the image as .fppz"),
                                                    QString("image-%1.fppz").arg(index_->value()), tr("Flow++ files (*.fppz)"));
  if (path.isEmpty()) return;
  QSaveFile file(path);
  const bool ok = file.open(QIODevice::WriteOnly) && file.write(last_.singleFile) == last_.singleFile.size() && file.commit();
  datasetResult_->setText(ok ? tr("Saved %1 (%2 bytes).").arg(path).arg(last_.singleFile.size())
                             : tr("Could not write %1: %2").arg(path, file.errorString()));
}

void CompressionPanel::compressDataset() {
  if (!session_->hasModel() || dataset_.isEmpty()) {
    datasetResult_->setText(tr("Open a model and a data set first (File menu)."));
    return;
  }
  const QString path = QFileDialog::getSaveFileName(this, tr("Compress the data set into"), "dataset.fppz", tr("Flow++ files (*.fppz)"));
  if (path.isEmpty()) return;
  session_->compressDataset(path);
}

void CompressionPanel::showCompression(const CompressionReport& r) {
  if (r.cancelled) {
    datasetResult_->setText(tr("Cancelled; nothing was written."));
  } else {
    datasetResult_->setText(tr("Wrote %1: %2 images in %3 bytes, <b>%4 bits/dim</b> (model bound for the same noise %5), "
                               "decoded and compared: %6; %7 s. Restore with: flowpp decompress %1 --model MODEL --out FOLDER")
                                .arg(r.path)
                                .arg(r.images)
                                .arg(r.bytes)
                                .arg(r.bitsPerDim, 0, 'f', 4)
                                .arg(r.boundBitsPerDim, 0, 'f', 4)
                                .arg(r.verified ? tr("identical") : tr("not checked"))
                                .arg(r.seconds, 0, 'f', 1));
  }
  Q_EMIT compressionShown(r);
}

}  // namespace flowpp::ui
