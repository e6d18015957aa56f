#include "ReferenceHistogram.h"

#include <QCryptographicHash>
#include <QDataStream>
#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QSaveFile>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QLabel>
#include <QProgressBar>
#include <QPushButton>
#include <QStandardPaths>
#include <QVBoxLayout>

#include <algorithm>

#include "Charts.h"
#include "explore/Statistics.h"

namespace flowpp::ui {

namespace {
constexpr int kImages = 2000;
}

ReferenceHistogram::ReferenceHistogram(ModelSession* session, QWidget* parent) : QWidget(parent), session_(session) {
  start_ = new QPushButton(tr("Data-set histogram"));
  start_->setToolTip(tr("Bits/dim of the first %1 images of the open data set (computed once per model, in the "
                        "background; interactive work goes first)").arg(kImages));
  cancel_ = new QPushButton(tr("Cancel"));
  cancel_->setEnabled(false);
  cancel_->setToolTip(tr("Stop the histogram (within a second)"));
  progress_ = new QProgressBar;
  progress_->setVisible(false);
  progress_->setFormat(tr("histogram %p%"));
  percentile_ = new QLabel;
  percentile_->setWordWrap(true);
  chart_ = makeChartView(placeholderChart(tr("The data set's bits/dim histogram<br>appears here (Data-set histogram)")));
  auto* row = new QHBoxLayout;
  row->addWidget(start_);
  row->addWidget(cancel_);
  row->addWidget(progress_, 1);
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addLayout(row);
  layout->addWidget(percentile_);
  layout->addWidget(chart_, 1);
  connect(start_, &QPushButton::clicked, this, &ReferenceHistogram::start);
  connect(cancel_, &QPushButton::clicked, this, &ReferenceHistogram::cancel);
  connect(session_, &ModelSession::referenceReady, this, &ReferenceHistogram::showReport);
  connect(session_, &ModelSession::jobState, this, &ReferenceHistogram::showJobState);
  connect(session_, &ModelSession::modelOpened, this, [this](const ModelInfo& m) {
    if (model_ != m.path) values_.clear(), redraw();
    setDatasetPath(datasetPath_);
  });
}

void ReferenceHistogram::start() {
  if (!session_->hasModel()) return;
  session_->requestReferenceHistogram(kImages);
}

void ReferenceHistogram::cancel() { session_->cancel(JobKind::Reference); }

void ReferenceHistogram::showJobState(JobKind kind, JobState state, qint64 done, qint64 total) {
  if (kind != JobKind::Reference) return;
  const bool active = state == JobState::Waiting || state == JobState::Running;
  progress_->setVisible(active);
  cancel_->setEnabled(active);
  start_->setEnabled(!active);
  progress_->setRange(0, total > 0 ? 1000 : 0);  // a busy indicator until the first chunk reports
  if (total > 0) progress_->setValue(int(1000 * done / total));
  if (state == JobState::Cancelled) percentile_->setText(tr("Histogram cancelled."));
}

void ReferenceHistogram::showReport(const ReferenceReport& r) {
  if (r.cancelled || r.bitsPerDim.empty()) return;
  values_ = r.bitsPerDim;
  model_ = session_->modelInfo().path;
  // The cache is written whole or not at all (a half-written one would be read back as a histogram).
  QSaveFile cache(cachePath());
  if (!cache.fileName().isEmpty() && QDir().mkpath(QFileInfo(cache.fileName()).path()) && cache.open(QIODevice::WriteOnly)) {
    QDataStream out(&cache);
    out << QVector<double>(values_.begin(), values_.end());
    cache.commit();
  }
  redraw();
  Q_EMIT shown();
}

QString ReferenceHistogram::cachePath() const {
  // One cache file per model file and data set (keyed by path, size and modification time).
  const QFileInfo model(session_->modelInfo().path);
  if (!model.exists() || datasetPath_.isEmpty()) return {};
  const QByteArray key = (model.absoluteFilePath() + QString::number(model.size()) +
                          model.lastModified().toString(Qt::ISODate) + datasetPath_).toUtf8();
  return QStandardPaths::writableLocation(QStandardPaths::CacheLocation) + "/reference-" +
         QCryptographicHash::hash(key, QCryptographicHash::Sha1).toHex() + ".bin";
}

void ReferenceHistogram::setDatasetPath(const QString& path) {
  datasetPath_ = path;
  QFile cache(cachePath());
  if (cache.fileName().isEmpty() || !cache.open(QIODevice::ReadOnly)) return;
  QDataStream in(&cache);
  QVector<double> values;
  in >> values;
  if (in.status() != QDataStream::Ok || values.isEmpty()) return;
  values_.assign(values.begin(), values.end());
  model_ = session_->modelInfo().path;
  redraw();
  percentile_->setText(tr("Data-set histogram loaded from the cache (%1 images). ").arg(values.size()) + percentile_->text());
}

void ReferenceHistogram::setImageBpd(double bpd) {
  imageBpd_ = bpd;
  redraw();
}

QString ReferenceHistogram::percentileText() const { return percentile_->text(); }

void ReferenceHistogram::redraw() {
  if (values_.empty()) {
    replaceChart(chart_, placeholderChart(tr("The data set's bits/dim histogram<br>appears here (Data-set histogram)")));
    return;
  }
  const auto h = histogramOf(values_, 40, 0.05, imageBpd_);
  replaceChart(chart_, histogramChart(tr("Bits/dim of %1 data-set images").arg(values_.size()),
                                      QVector<double>(h.counts.begin(), h.counts.end()), h.lo, h.hi, false, -1, imageBpd_,
                                      tr("bits/dim (one-sample ELBO)")));
  if (qIsNaN(imageBpd_)) return;
  percentile_->setText(tr("This image: %1 bits/dim (one-sample ELBO), percentile %2 of the data set (lower = more likely)")
                           .arg(imageBpd_, 0, 'f', 3)
                           .arg(percentBelow(values_, imageBpd_), 0, 'f', 1));
}

}  // namespace flowpp::ui
