#include "DequantPanel.h"

#include <QGridLayout>
#include <QLabel>
#include <QSpinBox>
#include <QVBoxLayout>
#include <QtCharts/QLineSeries>
#include <QtCharts/QLogValueAxis>
#include <QtCharts/QValueAxis>

#include <cmath>

#include "Charts.h"
#include "ImageGrid.h"
#include "PixelView.h"
#include "TensorImage.h"

namespace flowpp::ui {

DequantPanel::DequantPanel(ModelSession* session, QWidget* parent) : QWidget(parent), session_(session) {
  index_ = new QSpinBox;
  index_->setEnabled(false);
  index_->setToolTip(tr("Image of the open data set"));
  draws_ = new QSpinBox;
  draws_->setRange(8, 1024);
  draws_->setValue(64);
  draws_->setToolTip(tr("Draws of u ~ q(u|x) for the statistics and the histogram"));
  image_ = new PixelView;
  mean_ = new PixelView;
  mean_->setToolTip(tr("Mean of u per pixel over the draws (uniform dequantization: 0.5 everywhere)"));
  std_ = new PixelView;
  std_->setToolTip(tr("Standard deviation of u per pixel (uniform: 1/√12 ≈ 0.289 everywhere)"));
  samples_ = new ImageGrid;
  samples_->setToolTip(tr("Draws of u ~ q(u|x), shown as images (u × 255)"));
  mode_ = new QLabel;
  mode_->setWordWrap(true);
  terms_ = new QLabel;
  terms_->setWordWrap(true);
  histogram_ = makeChartView(new QChart);
  gap_ = makeChartView(new QChart);

  auto* top = new QGridLayout;
  top->addWidget(new QLabel(tr("Data set #")), 0, 0);
  top->addWidget(index_, 0, 1);
  top->addWidget(new QLabel(tr("Draws")), 0, 2);
  top->addWidget(draws_, 0, 3);
  top->addWidget(mode_, 0, 4);
  top->setColumnStretch(4, 1);
  auto* maps = new QGridLayout;
  maps->addWidget(new QLabel(tr("x")), 0, 0);
  maps->addWidget(new QLabel(tr("samples of u ~ q(u|x)")), 0, 1);
  maps->addWidget(new QLabel(tr("mean of u")), 0, 2);
  maps->addWidget(new QLabel(tr("std of u")), 0, 3);
  maps->addWidget(image_, 1, 0);
  maps->addWidget(samples_, 1, 1);
  maps->addWidget(mean_, 1, 2);
  maps->addWidget(std_, 1, 3);
  auto* charts = new QHBoxLayout;
  charts->addWidget(histogram_);
  charts->addWidget(gap_);
  auto* layout = new QVBoxLayout(this);
  layout->addLayout(top);
  layout->addLayout(maps, 2);
  layout->addWidget(terms_);
  layout->addLayout(charts, 2);

  connect(index_, &QSpinBox::valueChanged, this, &DequantPanel::request);
  connect(draws_, &QSpinBox::valueChanged, this, &DequantPanel::request);
  connect(session_, &ModelSession::dequantReady, this, &DequantPanel::showResult);
  connect(session_, &ModelSession::modelOpened, this, &DequantPanel::request);
}

void DequantPanel::setDataset(const QVector<QImage>& images) {
  dataset_ = images;
  index_->setRange(0, std::max(0, static_cast<int>(images.size()) - 1));
  index_->setEnabled(!images.isEmpty());
  request();
}

void DequantPanel::request() {
  if (!session_->hasModel() || dataset_.isEmpty()) return;
  DequantRequest r;
  r.image = dataset_.value(index_->value());
  r.draws = draws_->value();
  image_->setImage(r.image);
  session_->requestDequant(r);
}

void DequantPanel::showResult(const DequantResult& r) {
  last_ = r;
  mode_->setText(r.variational ? tr("This model learned q(u|x): a flow on Gaussian noise, conditioned on x, ending in a sigmoid.")
                               : tr("This model uses <b>uniform dequantization</b> (the paper's ablation): u ~ U[0,1) for "
                                    "every pixel, whatever the image. What follows is that uniform case."));
  samples_->setImages(r.samples, {}, 3);
  mean_->setImage(heatmapImage(r.meanU, r.width, r.height, 0.0, 1.0));
  double maxStd = 0.0;
  for (double s : r.stdU) maxStd = std::max(maxStd, s);
  std_->setImage(heatmapImage(r.stdU, r.width, r.height, 0.0, std::max(maxStd, 0.29)));
  QVector<double> counts;
  for (auto c : r.histogram) counts << double(c);
  auto* h = histogramChart(tr("u over %1 sub-pixel draws, against U[0,1)").arg(r.histogramTotal), counts, 0.0, 1.0, true,
                           1.0, qQNaN(), tr("u"));
  delete histogram_->chart();
  histogram_->setChart(h);

  auto* chart = new QChart;
  chart->setTitle(tr("Importance-weighted bound vs K (ELBO at K = 1)"));
  auto* series = new QLineSeries;
  series->setName(tr("bits/dim"));
  series->setPointsVisible(true);
  double lo = 1e9, hi = -1e9;
  for (int i = 0; i < r.ks.size(); ++i) {
    series->append(r.ks[i], r.iwBpd[i]);
    lo = std::min(lo, r.iwBpd[i]);
    hi = std::max(hi, r.iwBpd[i]);
  }
  chart->addSeries(series);
  auto* x = new QLogValueAxis;
  x->setBase(4);
  x->setTitleText(tr("K (importance samples)"));
  x->setLabelFormat("%d");
  auto* y = new QValueAxis;
  y->setRange(lo - 0.01, hi + 0.01);
  y->setTitleText(tr("bits/dim"));
  chart->addAxis(x, Qt::AlignBottom);
  chart->addAxis(y, Qt::AlignLeft);
  series->attachAxis(x);
  series->attachAxis(y);
  chart->legend()->setVisible(false);
  delete gap_->chart();
  gap_->setChart(chart);

  terms_->setText(tr("Bound terms per image (mean over draws): −log q(u|x) = %1 nats, log p(x+u) = %2 nats; "
                     "ELBO %3 bits/dim; K = %4: %5 bits/dim (gap %6). u ranges over [%7, %8].")
                      .arg(r.meanNegLogQ, 0, 'f', 1)
                      .arg(r.meanLogP, 0, 'f', 1)
                      .arg(r.elboBpd, 0, 'f', 4)
                      .arg(r.ks.value(r.ks.size() - 1))
                      .arg(r.iwBpd.value(r.iwBpd.size() - 1), 0, 'f', 4)
                      .arg(r.elboBpd - r.iwBpd.value(r.iwBpd.size() - 1), 0, 'f', 4)
                      .arg(r.minU, 0, 'f', 4)
                      .arg(r.maxU, 0, 'f', 4));
  Q_EMIT dequantShown();
}

}  // namespace flowpp::ui
