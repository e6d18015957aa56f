#include "DequantPanel.h"

#include <QGridLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QProgressBar>
#include <QPushButton>
#include <QSpinBox>
#include <QVBoxLayout>
#include <QtCharts/QLineSeries>
#include <QtCharts/QLogValueAxis>
#include <QtCharts/QValueAxis>

#include <algorithm>

#include "Charts.h"
#include "ColourBar.h"
#include "ImageGrid.h"
#include "JobProgress.h"
#include "PixelView.h"
#include "PixelsImage.h"

namespace flowpp::ui {

DequantPanel::DequantPanel(ModelSession* session, QWidget* parent) : QWidget(parent), session_(session) {
  index_ = new QSpinBox;
  index_->setEnabled(false);
  index_->setToolTip(tr("Image of the open data set"));
  draws_ = new QSpinBox;
  draws_->setRange(8, 16384);
  draws_->setValue(64);
  draws_->setToolTip(tr("Draws of u ~ q(u|x) for the statistics and the histogram; more than %1 run in the background")
                         .arg(ModelSession::kInteractiveDraws));
  image_ = new PixelView;
  mean_ = new PixelView;
  mean_->setToolTip(tr("Mean of u per pixel over the draws (uniform dequantization: 0.5 everywhere)"));
  std_ = new PixelView;
  std_->setToolTip(tr("Standard deviation of u per pixel (uniform: 1/√12 ≈ 0.289 everywhere)"));
  meanBar_ = new ColourBar(tr("mean u"));
  stdBar_ = new ColourBar(tr("std u"));
  samples_ = new ImageGrid;
  samples_->setToolTip(tr("Draws of u ~ q(u|x), shown as images (u × 255)"));
  mode_ = new QLabel;
  mode_->setWordWrap(true);
  terms_ = new QLabel;
  terms_->setWordWrap(true);
  state_ = new QLabel;
  progress_ = new QProgressBar;
  progress_->setVisible(false);
  progress_->setFormat(tr("draws %p%"));
  cancel_ = new QPushButton(tr("Cancel"));
  cancel_->setVisible(false);
  cancel_->setToolTip(tr("Stop drawing (within a second); the previous view stays"));
  histogram_ = makeChartView(placeholderChart(tr("The histogram of u against the uniform density appears here")));
  gap_ = makeChartView(placeholderChart(tr("The importance-weighted bound against K appears here")));

  auto* top = new QHBoxLayout;
  top->addWidget(new QLabel(tr("Data set #")));
  top->addWidget(index_);
  top->addWidget(new QLabel(tr("Draws")));
  top->addWidget(draws_);
  top->addWidget(state_, 1);
  top->addWidget(progress_);
  top->addWidget(cancel_);
  auto* maps = new QGridLayout;
  const QStringList titles = {tr("x"), tr("samples of u ~ q(u|x)"), tr("mean of u"), QString(), tr("std of u"), QString()};
  for (int i = 0; i < titles.size(); ++i) maps->addWidget(new QLabel(titles[i]), 0, i);
  maps->addWidget(image_, 1, 0);
  maps->addWidget(samples_, 1, 1);
  maps->addWidget(mean_, 1, 2);
  maps->addWidget(meanBar_, 1, 3);
  maps->addWidget(std_, 1, 4);
  maps->addWidget(stdBar_, 1, 5);
  auto* charts = new QHBoxLayout;
  charts->addWidget(histogram_);
  charts->addWidget(gap_);
  auto* layout = new QVBoxLayout(this);
  layout->addLayout(top);
  layout->addWidget(mode_);
  layout->addLayout(maps, 2);
  layout->addWidget(terms_);
  layout->addLayout(charts, 2);

  connect(index_, &QSpinBox::valueChanged, this, &DequantPanel::request);
  draws_->setKeyboardTracking(false);  // a typed number counts on Enter or focus loss, not digit by digit
  connect(draws_, &QSpinBox::valueChanged, this, &DequantPanel::request);
  connect(cancel_, &QPushButton::clicked, this, [this] { session_->cancel(JobKind::Dequant); });
  connect(session_, &ModelSession::dequantReady, this, &DequantPanel::showResult);
  connect(session_, &ModelSession::jobState, this, &DequantPanel::showJobState);
  connect(session_, &ModelSession::modelOpened, this, &DequantPanel::request);
}

void DequantPanel::setDataset(const QVector<QImage>& images) {
  dataset_ = images;
  index_->setRange(0, std::max(0, static_cast<int>(images.size()) - 1));
  index_->setEnabled(!images.isEmpty());
  request();
}

void DequantPanel::setDraws(int draws) { draws_->setValue(draws); }

void DequantPanel::request() {
  if (!session_->hasModel() || dataset_.isEmpty()) return;
  DequantRequest r;
  r.image = dataset_.value(index_->value());
  r.draws = draws_->value();
  image_->setImage(r.image);
  session_->requestDequant(r);
}

void DequantPanel::showJobState(JobKind kind, JobState state, qint64 done, qint64 total) {
  if (kind != JobKind::Dequant) return;
  const bool background = draws_->value() > ModelSession::kInteractiveDraws;
  state_->setText(state == JobState::Waiting ? tr("Waiting for the worker…")
                  : state == JobState::Running ? tr("Drawing u ~ q(u|x)…")
                  : state == JobState::Cancelled && background ? tr("Cancelled; showing the previous draws.") : QString());
  showJobProgress(progress_, cancel_, state, done, total, background);
}

void DequantPanel::showResult(const DequantReport& r) {
  last_ = r;
  mode_->setText(r.variational ? tr("This model learned q(u|x): a flow on Gaussian noise, conditioned on x, ending in a sigmoid "
                                    "(paper sec. 3.1.2, eq. 12).")
                               : tr("This model uses <b>uniform dequantization</b> (the paper's ablation): u ~ U[0,1) for "
                                    "every pixel, whatever the image. What follows is that uniform case."));
  QVector<QImage> samples;
  for (const auto& s : r.samples) samples << toQImage(s);
  samples_->setImages(samples, {}, 3);
  mean_->setImage(heatmapImage(r.meanU, r.width, r.height, 0.0, 1.0));
  meanBar_->setRange(0.0, 1.0);
  const double maxStd = std::max(*std::max_element(r.stdU.begin(), r.stdU.end()), 0.29);
  std_->setImage(heatmapImage(r.stdU, r.width, r.height, 0.0, maxStd));
  stdBar_->setRange(0.0, maxStd, 3);
  QVector<double> counts;
  for (auto c : r.histogram) counts << double(c);
  replaceChart(histogram_, histogramChart(tr("u over %1 sub-pixel draws, against U[0,1)").arg(r.histogramTotal), counts,
                                          0.0, 1.0, true, 1.0, qQNaN(), tr("u")));
  drawGapChart(r);
  terms_->setText(tr("Bound terms per image (mean over %9 draws): −log q(u|x) = %1 nats, log p(x+u) = %2 nats; "
                     "ELBO %3 bits/dim; K = %4: %5 bits/dim (gap %6). u ranges over [%7, %8].")
                      .arg(r.meanNegLogQ, 0, 'f', 1)
                      .arg(r.meanLogP, 0, 'f', 1)
                      .arg(r.elboBpd, 0, 'f', 4)
                      .arg(r.ks.back())
                      .arg(r.iwBpd.back(), 0, 'f', 4)
                      .arg(r.elboBpd - r.iwBpd.back(), 0, 'f', 4)
                      .arg(r.minU, 0, 'f', 4)
                      .arg(r.maxU, 0, 'f', 4)
                      .arg(r.draws));
  Q_EMIT dequantShown();
}

void DequantPanel::drawGapChart(const DequantReport& r) {
  auto* chart = new QChart;
  chart->setTitle(tr("Importance-weighted bound vs K (ELBO at K = 1)"));
  auto* series = new QLineSeries;
  series->setName(tr("bits/dim"));
  series->setPointsVisible(true);
  double lo = 1e9, hi = -1e9;
  for (size_t i = 0; i < r.ks.size(); ++i) {
    series->append(r.ks[i], r.iwBpd[i]);
    lo = std::min(lo, r.iwBpd[i]);
    hi = std::max(hi, r.iwBpd[i]);
  }
  chart->addSeries(series);
  auto* x = new QLogValueAxis;
  x->setBase(4);
  x->setTitleText(tr("K (importance samples)"));
  x->setLabelFormat("%d");
  x->setRange(1, std::max(4, r.ks.back()));
  auto* y = new QValueAxis;
  y->setRange(lo - 0.01, hi + 0.01);
  y->applyNiceNumbers();
  y->setTitleText(tr("bits/dim"));
  chart->addAxis(x, Qt::AlignBottom);
  chart->addAxis(y, Qt::AlignLeft);
  series->attachAxis(x);
  series->attachAxis(y);
  chart->legend()->setVisible(false);
  replaceChart(gap_, chart);
}

}  // namespace flowpp::ui
