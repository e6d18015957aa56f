#pragma once
// The run manager under the training chart, in the spirit of TensorBoard's run list: a filter, one
// row per run with its colour, a show/hide box, its config, parameters, final and best test
// bits/dim, steps and wall time, and a Δ column that compares like with like — each ablation with
// the full run of its group, or, when two or more rows are selected, every selected run with the
// first selected one. Differences within the noise of the test estimates are not ranked.
#include <QWidget>

#include "TrainingRun.h"

class QLabel;
class QLineEdit;
class QTableWidget;

namespace flowpp::ui {

class RunTable : public QWidget {
  Q_OBJECT
 public:
  enum Column { Run, Config, Parameters, FinalTest, BestTest, Delta, Steps, WallTime, Columns };
  explicit RunTable(QVector<TrainingRun>* runs, QWidget* parent = nullptr);

  QTableWidget* table() const { return table_; }
  QLineEdit* filter() const { return filter_; }
  QString basis() const;    // what the Δ column compares with, in words
  QString verdict() const;  // the "too short to order" line, empty when hidden
  QStringList selectedRuns() const;  // in row order; the first is the reference of a comparison
  void refresh();                    // after runs were added or their metrics grew

 Q_SIGNALS:
  void visibilityChanged();  // a run shown, hidden or filtered: the chart redraws
  void selectionChanged(const QStringList& runs);

 private:
  QWidget* buildButtons();
  const TrainingRun* referenceFor(int row, const QList<int>& selected) const;
  void setCell(int row, int column, const QString& text, const QString& tip = {});
  void fillRow(int row, const QList<int>& selected, QStringList& tooClose);
  void applyFilter();
  void showOnlySelected();
  QList<int> selectedRows() const;

  QVector<TrainingRun>* runs_;
  QLineEdit* filter_;
  QTableWidget* table_;
  QLabel *basis_, *verdict_;
};

}  // namespace flowpp::ui
