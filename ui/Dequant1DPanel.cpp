#include "Dequant1DPanel.h"

#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QProgressBar>
#include <QPushButton>
#include <QSpinBox>

#include "Dequant1DPlot.h"

namespace flowpp::ui {

Dequant1DPanel::Dequant1DPanel(ToyWorker* worker, QWidget* parent) : QWidget(parent), worker_(worker) {
  auto* box = new QGroupBox(tr("Experiment"));
  box->setMaximumWidth(280);
  auto* form = new QFormLayout(box);
  auto spin = [](int lo, int hi, int v, const QString& tip) {
    auto* s = new QSpinBox;
    s->setRange(lo, hi), s->setValue(v), s->setToolTip(tip);
    return s;
  };
  levels_ = spin(2, 64, 12, tr("Discrete values x = 0 … L−1 (an 8-bit pixel has 256)"));
  components_ = spin(1, 64, 12, tr("Logistics in the continuous density p(v)"));
  steps_ = spin(100, 20000, 1200, tr("Adam steps for each of the two fits"));
  seed_ = spin(0, 999999, 1, tr("Seed of the data's probabilities and of the noise draws"));
  fit_ = new QPushButton(tr("Fit"));
  fit_->setToolTip(tr("Fit p(v) twice: with u ~ U[0,1) and with a learned q(u|x) (a logit-normal per level)"));
  cancel_ = new QPushButton(tr("Cancel"));
  cancel_->setEnabled(false);
  progress_ = new QProgressBar;
  result_ = new QLabel;
  result_->setWordWrap(true);
  result_->setTextFormat(Qt::RichText);
  auto* buttons = new QHBoxLayout;
  buttons->addWidget(fit_), buttons->addWidget(cancel_);
  form->addRow(tr("Levels"), levels_);
  form->addRow(tr("Components"), components_);
  form->addRow(tr("Steps"), steps_);
  form->addRow(tr("Seed"), seed_);
  form->addRow(buttons);
  form->addRow(progress_);
  form->addRow(result_);
  plot_ = new Dequant1DPlot;
  auto* layout = new QHBoxLayout(this);
  layout->addWidget(box);
  layout->addWidget(plot_, 1);
  connect(fit_, &QPushButton::clicked, this, &Dequant1DPanel::fit);
  connect(cancel_, &QPushButton::clicked, worker_, &ToyWorker::cancelDequant);
  connect(worker_, &ToyWorker::dequantProgress, this, [this](int done, int total) {
    progress_->setRange(0, total);
    progress_->setValue(done);
  });
  connect(worker_, &ToyWorker::dequantReady, this, &Dequant1DPanel::showReport);
  connect(worker_, &ToyWorker::failed, this, [this](const QString& m) {  // the window's message bar shows it too
    if (!fitting_) return;
    fitting_ = false;
    fit_->setEnabled(true), cancel_->setEnabled(false);
    result_->setText(m.toHtmlEscaped());
  });
}

void Dequant1DPanel::fit() {
  if (fitting_) return;
  fitting_ = true;
  fit_->setEnabled(false), cancel_->setEnabled(true);
  Dequant1DOptions o;
  o.levels = levels_->value(), o.components = components_->value(), o.steps = steps_->value();
  o.seed = uint64_t(seed_->value());
  worker_->fitDequant(o);
}

void Dequant1DPanel::showReport(const Dequant1DReport& r) {
  fitting_ = false;
  fit_->setEnabled(true), cancel_->setEnabled(false);
  last_ = r;
  plot_->setReport(r);
  auto row = [](const char* colour, const QString& name, const Dequant1DFit& f) {
    return QString("<tr><td style='color:%1'><b>%2</b></td><td align=right>%3</td><td align=right>%4</td><td align=right>%5</td></tr>")
        .arg(colour, name)
        .arg(f.boundBits, 0, 'f', 3)
        .arg(f.exactBits, 0, 'f', 3)
        .arg(f.gapBits(), 0, 'f', 3);
  };
  result_->setText(tr("<table cellspacing=4><tr><td></td><td>bound</td><td>exact</td><td>gap</td></tr>%1%2</table>"
                      "bits per value; the data's entropy is %3 bits, the best any model can do.%4")
                       .arg(row("#f08214", tr("uniform"), r.uniform), row("#1e6ec8", tr("learned"), r.variational))
                       .arg(r.entropyBits, 0, 'f', 3)
                       .arg(r.cancelled ? tr("<br><i>Cancelled: the fits stopped early.</i>") : QString()));
  Q_EMIT reportShown();
}

}  // namespace flowpp::ui
