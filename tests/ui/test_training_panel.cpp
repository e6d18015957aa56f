// The training tab as people use it: a chart that keeps the view they zoomed to, a legend that hides
// and shows runs, a form that shows the run that trains, Resume that follows the run-folder field,
// paused and stopped runs told apart, the samples of the right run, and a run paused and resumed in
// the studio that ends bit-identical to one that never stopped, while the other tabs explore.
#include <QAbstractAxis>
#include <QDir>
#include <QGraphicsSimpleTextItem>
#include <QLineEdit>
#include <QSignalSpy>
#include <QSlider>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QtCharts/QLegendMarker>
#include <QtCharts/QLineSeries>
#include <QtCharts/QValueAxis>
#include <QtTest>

#include <fstream>

#include "../TestMain.h"
#include "Charts.h"
#include "CurveChart.h"
#include "LikelihoodPanel.h"
#include "RunHelpers.h"
#include "RunTable.h"
#include "StudioFixture.h"
#include "TrainingForm.h"
#include "TrainingPanel.h"
#include "TrainingWorker.h"

using namespace flowpp;
using namespace flowpp::ui;
using namespace flowpp::test;

namespace {
QByteArray metricLine(int step, double train, double test = qQNaN()) {
  nlohmann::json j = {{"step", step}, {"epoch", step / 100.0}, {"train_bpd", train}, {"wall_seconds", step * 0.5}};
  if (!qIsNaN(test)) j["test_bpd"] = test;
  return QByteArray::fromStdString(j.dump());
}

TrainingRun syntheticRun(const QString& name, int steps, double offset) {
  TrainingRun run;
  run.name = name;
  for (int s = 10; s <= steps; s += 10) run.addLine(metricLine(s, 4.0 - s * 1e-4 + offset, s % 100 == 0 ? 3.9 - s * 1e-4 + offset : qQNaN()));
  return run;
}

// Metrics rows of a run without the timing fields (wall time and speed are not computation).
std::vector<nlohmann::json> metricsRows(const QString& run) {
  std::vector<nlohmann::json> rows;
  std::ifstream in((run + "/metrics.jsonl").toStdString());
  for (std::string line; std::getline(in, line);) {
    auto j = nlohmann::json::parse(line);
    if (j.contains("event")) continue;
    j.erase("wall_seconds"), j.erase("images_per_sec");
    rows.push_back(j);
  }
  return rows;
}

// Waits for the panel's n-th finished run; on a timeout the failure names the panel's status.
bool finishedRuns(QSignalSpy& finished, int n, TrainingPanel& p, int timeoutMs = 300000) {
  if (QTest::qWaitFor([&] { return finished.count() >= n; }, timeoutMs)) return true;
  qWarning("no run finished; the panel says: %s", qPrintable(p.statusText()));
  return false;
}

// A chart of `runs`, on screen and drawn once.
void showChart(CurveChart& chart, QVector<TrainingRun>* runs, QSize size = {800, 500}) {
  chart.setRuns(runs);
  chart.resize(size);
  chart.show();
  chart.redraw();
}

// Does `action`, then waits until the chart has redrawn (redraws are throttled to one per 40 ms).
template <typename Action>
void redrawAfter(CurveChart& chart, Action&& action) {
  QSignalSpy redrawn(&chart, &CurveChart::redrawn);
  action();
  QVERIFY(redrawn.count() > 0 || redrawn.wait(5000));
}
}  // namespace

class TestTrainingPanel : public QObject {
  Q_OBJECT
  QTemporaryDir dir_;
  QString data_;

  // A panel set up for quick fmnist-tiny runs of `steps` steps on 256 images, into `run`.
  std::unique_ptr<TrainingPanel> tinyPanel(const QString& run, int steps) {
    auto p = std::make_unique<TrainingPanel>();
    p->resize(1200, 800);
    p->show();
    p->form()->selectConfig("fmnist-tiny");
    p->setTrainData(data_);
    p->setRunFolder(run);
    p->setSteps(steps);
    return p;
  }

 private Q_SLOTS:
  void initTestCase() {
    QStandardPaths::setTestModeEnabled(true);
    qputenv("FLOWPP_NO_DIALOGS", "1");
    data_ = fashionSubset(dir_.filePath("fashion-256.idx"), 256);
  }

  void anEmptyChartSaysWhatWillAppear() {
    QVector<TrainingRun> runs;
    CurveChart chart;
    showChart(chart, &runs);
    auto placeholder = [&] {
      for (auto* item : chart.scene()->items())
        if (auto* text = dynamic_cast<QGraphicsSimpleTextItem*>(item); text && text->text().contains("appear here")) return text;
      return static_cast<QGraphicsSimpleTextItem*>(nullptr);
    };
    QVERIFY(placeholder() && placeholder()->isVisible());
    runs.push_back(syntheticRun("a", 500, 0));
    chart.redraw();
    QVERIFY(!placeholder()->isVisible());
  }

  void aZoomSurvivesNewMetricsUntilFollowIsOn() {
    QVector<TrainingRun> runs = {syntheticRun("a", 1000, 0)};
    CurveChart chart;
    showChart(chart, &runs);
    QCOMPARE(chart.xRange().second >= 1000, true);
    QSignalSpy followChanged(&chart, &CurveChart::followChanged);
    QTest::keyClick(&chart, Qt::Key_Plus);  // zoom in: the user's view from now on
    QVERIFY(!chart.follow());
    QCOMPARE(followChanged.count(), 1);
    const auto zoomed = chart.xRange();
    QVERIFY(zoomed.second < 1000);
    for (int s = 1010; s <= 3000; s += 10) runs[0].addLine(metricLine(s, 3.8));
    redrawAfter(chart, [&] { chart.scheduleRedraw(); });
    QCOMPARE(chart.xRange(), zoomed);  // new points do not undo the zoom
    redrawAfter(chart, [&] { QTest::keyClick(&chart, Qt::Key_0); });  // follow again
    QVERIFY(chart.follow());
    QVERIFY(chart.xRange().second >= 3000);
  }

  void legendClicksHideAndShowRuns() {
    QVector<TrainingRun> runs;
    for (int i = 0; i < 12; ++i) runs.push_back(syntheticRun(QString("run-%1").arg(i), 300, 0.05 * i));
    CurveChart chart;
    showChart(chart, &runs, {900, 500});
    const int drawn = chart.pointCount();
    QVERIFY(drawn > 0);
    QLegendMarker* marker = nullptr;
    const auto findMarker = [&] {
      for (auto* m : chart.chart()->legend()->markers())
        if (m->isVisible() && m->label() == "run-3") marker = m;
      return marker != nullptr;
    };
    QVERIFY2(QTest::qWaitFor(findMarker, 5000), "run-3 has no legend entry");  // once the legend is laid out
    redrawAfter(chart, [&] { Q_EMIT marker->clicked(); });
    QVERIFY(!runs[3].visible);
    QCOMPARE(chart.pointCount(), drawn - int(runs[3].points().size()));
    redrawAfter(chart, [&] { Q_EMIT marker->clicked(); });
    QVERIFY(runs[3].visible);
    QCOMPARE(chart.pointCount(), drawn);
  }

  void coloursDoNotRepeatAndTicksAreRound() {
    QSet<QRgb> colours;
    for (int i = 0; i < 64; ++i) colours.insert(CurveChart::runColour(i).rgb());
    QCOMPARE(colours.size(), 64);
    for (double span : {3327.0, 0.137, 1.0, 58.0, 123456.0}) {
      const double step = CurveChart::niceStep(span, 5);
      const double mantissa = step / std::pow(10.0, std::floor(std::log10(step)));
      QVERIFY2(qFuzzyCompare(mantissa, 1.0) || qFuzzyCompare(mantissa, 2.0) || qFuzzyCompare(mantissa, 5.0), qPrintable(QString::number(step)));
      QVERIFY(span / step >= 2 && span / step <= 12);
    }
    QVector<TrainingRun> runs = {syntheticRun("a", 3327, 0)};
    CurveChart chart;
    showChart(chart, &runs);
    auto* x = qobject_cast<QValueAxis*>(chart.chart()->axes(Qt::Horizontal).value(0));
    QVERIFY(x);
    const double interval = x->tickInterval();
    const double mantissa = interval / std::pow(10.0, std::floor(std::log10(interval)));
    QVERIFY2(qFuzzyCompare(mantissa, 1.0) || qFuzzyCompare(mantissa, 2.0) || qFuzzyCompare(mantissa, 5.0), qPrintable(QString::number(interval)));
    const double anchorTicks = x->tickAnchor() / interval;
    QVERIFY2(std::abs(anchorTicks - std::round(anchorTicks)) < 1e-9, qPrintable(QString::number(x->tickAnchor())));  // ticks at multiples

    // A histogram of counts has whole-number ticks from 0 (it showed 49.8 and 138.6).
    std::unique_ptr<QChart> histogram(histogramChart("counts", {3, 17, 126, 41}, 0.0, 1.0, false));
    auto* counts = qobject_cast<QValueAxis*>(histogram->axes(Qt::Vertical).value(0));
    QVERIFY(counts);
    QCOMPARE(counts->labelFormat(), QString("%d"));
    QCOMPARE(counts->tickAnchor(), 0.0);
    QVERIFY(counts->tickInterval() >= 1 && counts->tickInterval() == std::round(counts->tickInterval()));
    QVERIFY(counts->max() >= 126 && std::fmod(counts->max(), counts->tickInterval()) == 0);
  }

  void attentionBoxShowsPerStageTruth() {
    TrainingForm form;
    form.selectConfig("fmnist-small");  // self-attention in its last stage only
    QVERIFY2(form.attentionText().contains("per stage") && form.attentionText().contains("self"), qPrintable(form.attentionText()));
    form.selectConfig("bench-s");  // in every coupling
    QCOMPARE(form.attentionText(), QString("self"));
    form.selectConfig("bench-s-no-attention");
    QCOMPARE(form.attentionText(), QString("none"));
  }

  // The bundled ablations: each variant's Δ is its final test bits/dim minus that of the full run of
  // the same group (same budget), never of another run.
  void ablationDeltasCompareWithTheFullRunOfTheSameGroup() {
    TrainingPanel p;
    const TrainingRun* full = nullptr;
    for (const auto& r : p.runs())
      if (r.variant == "full") full = &r;
    QVERIFY2(full, "the bundled ablations were not loaded");
    int checked = 0;
    for (int row = 0; row < p.table()->rowCount(); ++row) {
      const auto& r = p.runs()[row];
      QCOMPARE(p.table()->item(row, RunTable::Run)->text(), r.name);
      if (r.group != full->group || &r == full) continue;
      const double delta = r.finalTest() - full->finalTest();
      const auto* cell = p.table()->item(row, RunTable::Delta);
      QVERIFY2(cell->text().startsWith(QString("%1%2").arg(delta >= 0 ? "+" : "").arg(delta, 0, 'f', 3)), qPrintable(cell->text()));
      QVERIFY(cell->toolTip().contains(full->name));
      // The bundled runs had one time budget and reached different steps: the cell says so.
      QCOMPARE(p.table()->item(row, RunTable::Steps)->text(), QString::number(r.log.endStep));
      QCOMPARE(r.log.endStep != full->log.endStep, cell->text().contains("≠ steps"));
      ++checked;
    }
    QCOMPARE(checked, 3);
  }

  // Resume follows the run-folder field also after a failed Resume; a resumed run shows its
  // parameters; Pause and Stop end with different words and no stale ETA; the samples preview shows
  // the run that trains, not a bundled ablation.
  void resumePauseAndStopSayWhatHappened() {
    const QString run = dir_.filePath("panel-run");
    auto p = tinyPanel(run, 5);
    QSignalSpy finished(p.get(), &TrainingPanel::runFinished);
    p->start();
    QVERIFY2(p->form()->toolTip().contains("panel-run"), qPrintable(p->form()->toolTip()));  // the form shows the run's config, read-only
    QVERIFY(finishedRuns(finished, 1, *p));
    QVERIFY2(p->statusText().contains("finished at step 5"), qPrintable(p->statusText()));
    QVERIFY2(p->samplesCaption().startsWith("panel-run:"), qPrintable(p->samplesCaption()));

    p->setRunFolder(dir_.filePath("nothing-here"));
    p->resume();
    QVERIFY2(p->statusText().contains("Nothing to resume"), qPrintable(p->statusText()));
    QVERIFY(!p->isRunning());
    p->setRunFolder(run);
    p->setSteps(400);
    p->resume();
    QVERIFY2(p->isRunning(), qPrintable(p->statusText()));
    QTRY_VERIFY_WITH_TIMEOUT(p->statusText().contains("step 6"), 120000);
    const auto rows = p->table()->findItems("panel-run", Qt::MatchExactly);
    QVERIFY(!rows.isEmpty());
    const QString params = p->table()->item(rows.first()->row(), RunTable::Parameters)->text();
    QVERIFY2(params != "–" && params != "0", qPrintable("parameters of the resumed run: " + params));

    p->pause();
    QVERIFY(finishedRuns(finished, 2, *p));
    QVERIFY2(p->statusText().contains("paused at step") && !p->statusText().contains("ETA"), qPrintable(p->statusText()));
    p->resume();
    QTRY_VERIFY_WITH_TIMEOUT(p->isRunning() && p->statusText().contains("ETA"), 120000);
    p->stop();
    QVERIFY(finishedRuns(finished, 3, *p));
    // The step of the checkpoint Stop saved, as the run's end event in metrics.jsonl gives it.
    std::ifstream in((run + "/metrics.jsonl").toStdString());
    int64_t stoppedAt = -1;
    for (std::string line; std::getline(in, line);)
      if (const auto j = nlohmann::json::parse(line); j.value("event", "") == "stopped") stoppedAt = j["step"].get<int64_t>();
    QVERIFY(stoppedAt > 0);
    QVERIFY2(p->statusText().contains(QString("stopped at step %1 ").arg(stoppedAt)) && !p->statusText().contains("ETA"),
             qPrintable(p->statusText()));
  }

  // Ablations compare like with like: the full run trains for the time budget, and a variant queued
  // after it trains for exactly the steps the full run reached (read here from both metrics files).
  void ablationVariantsTrainForTheFullRunsSteps() {
    auto p = tinyPanel(dir_.filePath("abl"), 0);
    auto jobs = p->ablationJobs(dir_.filePath("abl"));
    QCOMPARE(jobs.size(), 4);
    QVERIFY(!jobs[0].stepsOfFirstJob && jobs[1].stepsOfFirstJob && jobs[3].stepsOfFirstJob);
    jobs.resize(2);
    jobs[0].options.minutes = 0.05, jobs[0].options.steps = 0;
    TrainingWorker worker;
    worker.setJobs(jobs);
    QSignalSpy done(&worker, &QThread::finished);
    worker.start();
    QVERIFY(done.wait(300000));
    auto endStep = [](const std::string& dir) {
      std::ifstream in(dir + "/metrics.jsonl");
      int64_t step = -1;
      for (std::string line; std::getline(in, line);)
        if (const auto j = nlohmann::json::parse(line); j.contains("event") && j["event"] != "start") step = j["step"].get<int64_t>();
      return step;
    };
    const auto fullSteps = endStep(jobs[0].options.runDir), variantSteps = endStep(jobs[1].options.runDir);
    QVERIFY(fullSteps > 0);
    QCOMPARE(variantSteps, fullSteps);
  }

  // A time budget's end: the run's final evaluation is in the `time_up` event of metrics.jsonl
  // (there is no metrics line at that step). The table's final and best cells and the chart's test
  // curve take it from there: checked against the file, read here with a plain JSON parser.
  void aBudgetsFinalEvaluationIsShown() {
    const QString run = dir_.filePath("budget-run");
    const auto r = runFlowpp({"train", "--model", modelsDir() + "/fmnist-tiny.json", "--data", data_, "--test-data", data_,
                              "--minutes", "0.08", "--eval-every", "100000", "--out", run});
    QVERIFY2(r.code == 0, qPrintable(r.err));
    std::ifstream in((run + "/metrics.jsonl").toStdString());
    double endTest = qQNaN(), best = qQNaN();
    int64_t endStep = -1;
    for (std::string line; std::getline(in, line);) {
      const auto j = nlohmann::json::parse(line);
      if (j.contains("test_bpd")) best = qIsNaN(best) ? j["test_bpd"].get<double>() : std::min(best, j["test_bpd"].get<double>());
      if (j.value("event", "") == "time_up") endTest = j["test_bpd"].get<double>(), endStep = j["step"].get<int64_t>();
    }
    QVERIFY2(!qIsNaN(endTest) && endStep > 0, "the run did not end on its time budget with a final evaluation");

    TrainingPanel p;
    QCOMPARE(p.loadRun(run), QString());
    const auto rows = p.table()->findItems("budget-run", Qt::MatchExactly);
    QVERIFY(!rows.isEmpty());
    QCOMPARE(p.table()->item(rows.first()->row(), RunTable::FinalTest)->text(), QString::number(endTest, 'f', 3));
    QCOMPARE(p.table()->item(rows.first()->row(), RunTable::BestTest)->text(), QString::number(best, 'f', 3));
    p.chart()->redraw();
    QLineSeries* test = nullptr;
    for (auto* series : p.chart()->chart()->series())
      if (auto* line = qobject_cast<QLineSeries*>(series); line && line->pointsVisible() && line->name() == "budget-run") test = line;
    QVERIFY2(test && test->count() > 0, "no test curve");
    QCOMPARE(test->points().last().y(), endTest);
    QCOMPARE(p.runs().back().log.endStep, double(endStep));
  }

  // Variants whose final test values differ by less than two standard errors are not ranked: the Δ
  // cell says "within noise" and a line under the table says the runs are too short; a clear
  // difference is ranked as before; logs without errors (the bundled ablations) get no verdict.
  void ablationsTooCloseToOrderAreNotRanked() {
    auto write = [&](const QString& name, double test, double se) {
      QDir().mkpath(dir_.filePath(name));
      QFile f(dir_.filePath(name + "/metrics.jsonl"));
      QVERIFY(f.open(QIODevice::WriteOnly));
      nlohmann::json j = {{"step", 100}, {"train_bpd", 4.0}, {"test_bpd", test}, {"test_bpd_se", se}, {"wall_seconds", 60.0}};
      f.write(QByteArray::fromStdString(j.dump() + "\n"));
    };
    write("close-full", 3.500, 0.010);
    write("close-affine", 3.520, 0.010);  // 0.02 < 2 * 0.0141
    write("far-full", 3.500, 0.010);
    write("far-affine", 3.600, 0.010);    // 0.10 > 0.0283
    TrainingPanel p;
    QCOMPARE(p.verdict(), QString());
    QCOMPARE(p.loadRun(dir_.filePath("far-full"), "far", "full"), QString());
    QCOMPARE(p.loadRun(dir_.filePath("far-affine"), "far", "affine"), QString());
    auto deltaOf = [&](const QString& name) { return p.table()->item(p.table()->findItems(name, Qt::MatchExactly).first()->row(), RunTable::Delta)->text(); };
    QCOMPARE(deltaOf("far-affine"), QString("+0.100"));
    QCOMPARE(p.verdict(), QString());
    QCOMPARE(p.loadRun(dir_.filePath("close-full"), "close", "full"), QString());
    QCOMPARE(p.loadRun(dir_.filePath("close-affine"), "close", "affine"), QString());
    QVERIFY2(deltaOf("close-affine").contains("within noise"), qPrintable(deltaOf("close-affine")));
    QVERIFY2(p.verdict().contains("Too short to order") && p.verdict().contains("close") && !p.verdict().contains("far"),
             qPrintable(p.verdict()));
  }

  // The run manager: every run its own colour (list and chart agree), a filter on name and config
  // that hides rows and curves, a box that hides a curve, and Δ for any selection against the first
  // selected run (values from the runs' own logs).
  void runManagerFiltersHidesAndComparesAnySelection() {
    TrainingPanel p;
    p.resize(1100, 720);
    p.show();
    auto* table = p.table();
    auto* chart = p.chart();
    QCOMPARE(p.runs().size(), 4);  // the bundled ablations
    const auto rowOf = [&](const QString& name) { return table->findItems(name, Qt::MatchExactly).first()->row(); };
    const auto curveOf = [&](const QString& name) -> QLineSeries* {
      for (auto* s : chart->chart()->series())
        if (auto* line = qobject_cast<QLineSeries*>(s); line && line->name() == name) return line;
      return nullptr;
    };
    redrawAfter(*chart, [&] { chart->scheduleRedraw(); });
    QSet<QRgb> colours;
    for (const auto& r : p.runs()) {
      const QColor swatch = table->item(rowOf(r.name), RunTable::Run)->data(Qt::DecorationRole).value<QColor>();
      QVERIFY2(curveOf(r.name), qPrintable(r.name));
      QCOMPARE(curveOf(r.name)->pen().color().rgb(), swatch.rgb());
      colours.insert(swatch.rgb());
    }
    QCOMPARE(colours.size(), 4);
    QVERIFY(table->item(rowOf("fmnist-small-affine"), RunTable::Config)->text().startsWith("affine"));

    redrawAfter(*chart, [&] { p.runTable()->filter()->setText("affine"); });
    for (const auto& r : p.runs()) {
      const bool affine = r.config.startsWith("affine") || r.name.contains("affine");
      QCOMPARE(table->isRowHidden(rowOf(r.name)), !affine);
      QCOMPARE(curveOf(r.name)->isVisible(), affine);
    }
    redrawAfter(*chart, [&] { p.runTable()->filter()->clear(); });

    redrawAfter(*chart, [&] { table->item(rowOf("fmnist-small-no-attention"), RunTable::Run)->setCheckState(Qt::Unchecked); });
    QVERIFY(!curveOf("fmnist-small-no-attention")->isVisible());
    QVERIFY(curveOf("fmnist-small")->isVisible());

    // Select the affine and uniform-dequant runs: the first selected row is the reference.
    const int a = rowOf("fmnist-small-affine"), u = rowOf("fmnist-small-uniform-dequant");
    table->clearSelection();
    table->selectionModel()->select(table->model()->index(a, 0), QItemSelectionModel::Select | QItemSelectionModel::Rows);
    table->selectionModel()->select(table->model()->index(u, 0), QItemSelectionModel::Select | QItemSelectionModel::Rows);
    const auto& ref = p.runs()[std::min(a, u)];
    const auto& other = p.runs()[std::max(a, u)];
    QVERIFY2(p.runTable()->basis().contains(ref.name), qPrintable(p.runTable()->basis()));
    QCOMPARE(table->item(std::min(a, u), RunTable::Delta)->text(), QString("reference"));
    const double delta = other.finalTest() - ref.finalTest();
    const QString cell = table->item(std::max(a, u), RunTable::Delta)->text();
    QVERIFY2(cell.startsWith(QString("%1%2").arg(delta >= 0 ? "+" : "").arg(delta, 0, 'f', 3)), qPrintable(cell));
    QCOMPARE(table->item(rowOf("fmnist-small"), RunTable::Delta)->text(), QString("–"));  // not selected
    table->clearSelection();
    QVERIFY(!p.runTable()->basis().contains(ref.name));
    QVERIFY(table->item(std::max(a, u), RunTable::Delta)->toolTip().contains("fmnist-small"));  // back to its group's full run

    // A run loaded again keeps its colour; a new one never takes another's.
    const QColor before = curveOf("fmnist-small")->pen().color();
    QCOMPARE(p.loadRun(p.runs()[rowOf("fmnist-small")].dir), QString());
    redrawAfter(*chart, [&] { chart->scheduleRedraw(); });
    QCOMPARE(curveOf("fmnist-small")->pen().color(), before);
  }

  // Exact resume in the studio: a run paused part-way and resumed ends with the same weights and the
  // same metrics log as a run that trained straight through, while samples and heatmaps are being
  // requested from the same process the whole time (they draw from their own generators).
  void aPausedStudioRunResumesBitIdenticallyWhileExploring() {
    auto w = openStudio();
    QVERIFY(w);
    auto* p = w->trainingPanel();
    p->form()->selectConfig("fmnist-tiny");
    p->setTrainData(data_);
    p->setSteps(8);
    QTimer explore;
    int requests = 0;
    connect(&explore, &QTimer::timeout, [&] {
      w->samplesPanel()->temperatureSlider()->setValue(40 + (requests * 13) % 80);
      w->likelihoodPanel()->setImage(w->samplesPanel()->selectedImage(), "sample");
      ++requests;
    });
    explore.start(250);
    QSignalSpy finished(p, &TrainingPanel::runFinished);

    const QString straight = dir_.filePath("straight");
    p->setRunFolder(straight);
    p->start();
    QVERIFY(finishedRuns(finished, 1, *p));

    const QString paused = dir_.filePath("paused");
    p->setRunFolder(paused);
    p->start();
    QTRY_VERIFY_WITH_TIMEOUT(p->statusText().contains("step 3 "), 300000);
    p->pause();
    QVERIFY(finishedRuns(finished, 2, *p));
    QVERIFY2(p->statusText().contains("paused"), qPrintable(p->statusText()));
    p->resume();
    QVERIFY(finishedRuns(finished, 3, *p));
    explore.stop();
    QVERIFY2(requests > 8, qPrintable(QString("only %1 exploring requests").arg(requests)));

    QVERIFY2(identical(rawWeights(straight), rawWeights(paused)), "the resumed run's weights differ from the straight run's");
    const auto a = metricsRows(straight), b = metricsRows(paused);
    QCOMPARE(a.size(), b.size());
    for (size_t i = 0; i < a.size(); ++i) QVERIFY2(a[i] == b[i], qPrintable(QString::fromStdString(a[i].dump() + " vs " + b[i].dump())));
  }
};

FLOWPP_TEST_MAIN(TestTrainingPanel)
#include "test_training_panel.moc"
