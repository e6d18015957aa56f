#include "ChartControls.h"

#include <QCheckBox>
#include <QComboBox>
#include <QFileDialog>
#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QSlider>

#include "CurveChart.h"
#include "ExportFile.h"

namespace flowpp::ui {

ChartControls::ChartControls(CurveChart* chart, QWidget* parent) : QWidget(parent), chart_(chart) {
  auto* xAxis = new QComboBox;
  xAxis->addItems({tr("steps"), tr("epochs"), tr("wall time")});
  auto* logX = new QCheckBox(tr("log x"));
  auto* followBox = new QCheckBox(tr("follow"));
  followBox->setChecked(true);
  followBox->setToolTip(tr("Keep the axes around all the data as it grows; zooming turns this off"));
  auto* smoothing = new QSlider(Qt::Horizontal);
  smoothing->setRange(0, 95);
  smoothing->setValue(60);
  smoothing->setToolTip(tr("Smoothing of the train curve (EMA weight); the raw points stay visible"));
  auto* exportPng = new QPushButton(tr("PNG…"));
  auto* exportCsv = new QPushButton(tr("CSV…"));
  auto* row = new QHBoxLayout(this);
  row->setContentsMargins(0, 0, 0, 0);
  row->addWidget(new QLabel(tr("x:")));
  row->addWidget(xAxis);
  row->addWidget(logX);
  row->addWidget(followBox);
  row->addWidget(new QLabel(tr("smoothing")));
  row->addWidget(smoothing, 1);
  row->addWidget(exportPng);
  row->addWidget(exportCsv);
  connect(xAxis, &QComboBox::currentIndexChanged, this, [this](int i) { chart_->setXAxis(CurveChart::XAxis(i)); });
  connect(logX, &QCheckBox::toggled, chart_, &CurveChart::setLogX);
  connect(followBox, &QCheckBox::toggled, chart_, &CurveChart::setFollow);
  connect(chart_, &CurveChart::followChanged, followBox, &QCheckBox::setChecked);
  connect(smoothing, &QSlider::valueChanged, this, [this](int v) { chart_->setSmoothing(v / 100.0); });
  connect(exportPng, &QPushButton::clicked, this, [this] {
    const QString p = QFileDialog::getSaveFileName(this, tr("Export chart"), "curves.png", tr("PNG images (*.png)"));
    if (!p.isEmpty() && !savePngAtomically(chart_->exportImage(), p)) Q_EMIT message(tr("Could not write %1").arg(p));
  });
  connect(exportCsv, &QPushButton::clicked, this, [this] {
    const QString p = QFileDialog::getSaveFileName(this, tr("Export curves"), "curves.csv", tr("CSV files (*.csv)"));
    if (!p.isEmpty() && !chart_->exportCsv(p)) Q_EMIT message(tr("Could not write %1").arg(p));
  });
}

}  // namespace flowpp::ui
