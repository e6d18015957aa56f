#include "RunTable.h"

#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QLocale>
#include <QPushButton>
#include <QTableWidget>
#include <QVBoxLayout>

#include <cmath>

#include "CurveChart.h"

namespace flowpp::ui {

RunTable::RunTable(QVector<TrainingRun>* runs, QWidget* parent) : QWidget(parent), runs_(runs) {
  filter_ = new QLineEdit;
  filter_->setPlaceholderText(tr("Filter runs: words from the name, group or config (e.g. affine, batch 64)"));
  filter_->setClearButtonEnabled(true);
  filter_->setToolTip(tr("Shows the runs whose name, group or config contain every word typed; the chart shows only them too"));
  table_ = new QTableWidget(0, Columns);
  table_->setHorizontalHeaderLabels({tr("run"), tr("config"), tr("params"), tr("final"), tr("best"), tr("Δ"), tr("steps"), tr("wall")});
  const QStringList headerTips = {tr("Run name (its folder's name); tick to show it in the chart"), tr("The run's config in one line"),
                                  tr("Trainable parameters"), tr("Test bits/dim of the last evaluation (ELBO, EMA weights)"),
                                  tr("Lowest test bits/dim of any evaluation"), tr("Final test bits/dim minus the reference's"),
                                  tr("Training steps (the checkpoint's step when the run ended)"), tr("Wall time at the last logged line")};
  for (int c = 0; c < Columns; ++c) table_->horizontalHeaderItem(c)->setToolTip(headerTips[c]);
  table_->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
  table_->horizontalHeader()->setSectionResizeMode(Run, QHeaderView::Interactive);
  table_->horizontalHeader()->setSectionResizeMode(Config, QHeaderView::Stretch);
  table_->setColumnWidth(Run, 190);
  table_->verticalHeader()->hide();
  // Room for the four bundled runs at least; the splitter above gives it more.
  table_->setMinimumHeight(table_->horizontalHeader()->sizeHint().height() + 4 * table_->verticalHeader()->defaultSectionSize());
  table_->setWordWrap(false);
  table_->setEditTriggers(QAbstractItemView::NoEditTriggers);
  table_->setSelectionBehavior(QAbstractItemView::SelectRows);
  table_->setSelectionMode(QAbstractItemView::ExtendedSelection);
  table_->setToolTip(tr("Tick a run to show it in the chart. Select two or more runs (Ctrl+click) to compare them with "
                        "the first selected; otherwise Δ compares each ablation with the full run of its group"));
  basis_ = new QLabel;
  basis_->setWordWrap(true);
  verdict_ = new QLabel;
  verdict_->setWordWrap(true);
  verdict_->setVisible(false);

  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  auto* top = new QHBoxLayout;
  top->addWidget(filter_, 1);
  top->addWidget(buildButtons());
  layout->addLayout(top);
  layout->addWidget(table_, 1);
  layout->addWidget(basis_);
  layout->addWidget(verdict_);

  connect(filter_, &QLineEdit::textChanged, this, &RunTable::applyFilter);
  connect(table_, &QTableWidget::itemChanged, this, [this](QTableWidgetItem* item) {
    if (item->column() != Run || item->row() >= runs_->size()) return;
    (*runs_)[item->row()].visible = item->checkState() == Qt::Checked;
    Q_EMIT visibilityChanged();
  });
  connect(table_, &QTableWidget::itemSelectionChanged, this, [this] {
    refresh();  // the reference of Δ follows the selection
    Q_EMIT selectionChanged(selectedRuns());
  });
}

QWidget* RunTable::buildButtons() {
  auto* only = new QPushButton(tr("Chart selected"));
  only->setToolTip(tr("Show only the selected runs in the chart"));
  auto* all = new QPushButton(tr("Chart all"));
  all->setToolTip(tr("Show every run that passes the filter"));
  connect(only, &QPushButton::clicked, this, &RunTable::showOnlySelected);
  connect(all, &QPushButton::clicked, this, [this] {
    for (auto& r : *runs_) r.visible = true;
    refresh();
    Q_EMIT visibilityChanged();
  });
  auto* box = new QWidget;
  auto* row = new QHBoxLayout(box);
  row->setContentsMargins(0, 0, 0, 0);
  row->addWidget(only);
  row->addWidget(all);
  return box;
}

QList<int> RunTable::selectedRows() const {
  QList<int> rows;
  for (const auto& index : table_->selectionModel()->selectedRows())
    if (index.row() < runs_->size() && !table_->isRowHidden(index.row())) rows << index.row();
  std::sort(rows.begin(), rows.end());
  return rows;
}

QStringList RunTable::selectedRuns() const {
  QStringList names;
  for (int row : selectedRows()) names << (*runs_)[row].name;
  return names;
}

void RunTable::showOnlySelected() {
  const auto selected = selectedRows();
  if (selected.isEmpty()) return;
  for (int i = 0; i < runs_->size(); ++i) (*runs_)[i].visible = selected.contains(i);
  refresh();
  Q_EMIT visibilityChanged();
}

// Every word must occur in the run's name, group or config summary.
void RunTable::applyFilter() {
  const auto words = filter_->text().split(' ', Qt::SkipEmptyParts);
  for (auto& r : *runs_) {
    const QString text = r.name + ' ' + r.group + ' ' + r.variant + ' ' + r.config;
    r.filteredOut = !std::all_of(words.begin(), words.end(), [&](const QString& w) { return text.contains(w, Qt::CaseInsensitive); });
  }
  refresh();
  Q_EMIT visibilityChanged();
}

// With two or more rows selected, the first selected run; otherwise the full run of the row's group.
const TrainingRun* RunTable::referenceFor(int row, const QList<int>& selected) const {
  const auto& r = (*runs_)[row];
  if (selected.size() >= 2) return selected.contains(row) ? &(*runs_)[selected.first()] : nullptr;
  if (r.variant.isEmpty()) return nullptr;
  for (const auto& other : *runs_)
    if (other.group == r.group && other.variant == "full") return &other;
  return nullptr;
}

QString RunTable::basis() const { return basis_->text(); }
QString RunTable::verdict() const { return verdict_->isHidden() ? QString() : verdict_->text(); }

void RunTable::setCell(int row, int column, const QString& text, const QString& tip) {
  auto* item = table_->item(row, column);
  if (!item) table_->setItem(row, column, item = new QTableWidgetItem);
  item->setText(text);
  item->setToolTip(tip);
}

void RunTable::refresh() {
  const QSignalBlocker block(table_);  // check boxes set here are not the user's clicks
  table_->setRowCount(runs_->size());
  const auto selected = selectedRows();
  QStringList tooClose;  // groups (or the selection) whose runs cannot be ordered
  for (int i = 0; i < runs_->size(); ++i) fillRow(i, selected, tooClose);
  if (selected.size() >= 2)
    basis_->setText(tr("Δ: the %1 selected runs vs <b>%2</b>, the first selected").arg(selected.size()).arg((*runs_)[selected.first()].name));
  else
    basis_->setText(tr("Δ: each ablation vs the full run of its group · select two or more runs (Ctrl+click) to compare any of them"));
  verdict_->setVisible(!tooClose.isEmpty());
  verdict_->setText(tr("<b>Too short to order:</b> in %1 some runs differ from their reference by less than the noise of the "
                       "test estimate, so the table does not rank them. Train longer, or compare with the bundled "
                       "full-length ablation runs, which stay the reference.")
                        .arg(tooClose.join(", ")));
}

void RunTable::fillRow(int i, const QList<int>& selected, QStringList& tooClose) {
  const auto& r = (*runs_)[i];
  table_->setRowHidden(i, r.filteredOut);
  const TrainingRun* ref = referenceFor(i, selected);
  const double fin = r.finalTest(), best = r.bestTest(), refTest = ref ? ref->finalTest() : qQNaN();
  const bool compared = !qIsNaN(fin) && !qIsNaN(refTest) && ref != &r;
  const auto order = compared ? compareTests(fin, r.finalTestSe(), refTest, ref->finalTestSe()) : TestOrder::Unknown;
  QString delta = ref == &r ? tr("reference") : compared ? QString("%1%2").arg(fin >= refTest ? "+" : "").arg(fin - refTest, 0, 'f', 3) : "–";
  const QString where = selected.size() >= 2 ? tr("the selection") : r.group;
  if (order == TestOrder::TooClose) {
    delta = tr("≈ %1 (within noise)").arg(delta);
    if (!tooClose.contains(where)) tooClose << where;
  }
  QString deltaTip;
  const double steps = r.steps(), wall = r.points().empty() ? qQNaN() : r.points().back().wall;
  if (compared) {
    // The basis of the comparison: the same number of steps, or only the same time budget.
    const double refSteps = ref->steps();
    deltaTip = steps == refSteps ? tr("vs %1 after the same %2 steps").arg(ref->name).arg(steps)
                                 : tr("vs %1 at different lengths: %2 steps here, %3 there (a time budget: the faster "
                                      "run trained longer; compare with care)").arg(ref->name).arg(steps).arg(refSteps);
    if (order == TestOrder::TooClose)
      deltaTip += tr(". The difference is within two standard errors of the two test estimates (±%1): too close to order.")
                      .arg(2 * std::hypot(r.finalTestSe(), ref->finalTestSe()), 0, 'f', 3);
    if (steps != refSteps) delta += tr(" (≠ steps)");
  }
  setCell(i, Run, r.name, tr("%1\nfolder: %2").arg(r.name, r.dir));
  auto* name = table_->item(i, Run);
  name->setFlags(Qt::ItemIsEnabled | Qt::ItemIsSelectable | Qt::ItemIsUserCheckable);
  name->setCheckState(r.visible ? Qt::Checked : Qt::Unchecked);
  name->setData(Qt::DecorationRole, CurveChart::runColour(r.colourIndex(i)));
  setCell(i, Config, r.config.isEmpty() ? tr("–") : r.config, r.config);
  setCell(i, Parameters, r.parameters() > 0 ? QLocale().toString(r.parameters()) : tr("–"));
  setCell(i, FinalTest, qIsNaN(fin) ? "–" : QString::number(fin, 'f', 3),
          std::isfinite(r.finalTestSe()) ? tr("± %1: the standard error of this mean over the test images").arg(r.finalTestSe(), 0, 'f', 4) : QString());
  setCell(i, BestTest, qIsNaN(best) ? "–" : QString::number(best, 'f', 3));
  setCell(i, Delta, delta, deltaTip);
  setCell(i, Steps, qIsNaN(steps) ? "–" : QString::number(steps));
  setCell(i, WallTime, qIsNaN(wall) ? "–" : tr("%1 min").arg(wall / 60, 0, 'f', 1));
}

}  // namespace flowpp::ui
