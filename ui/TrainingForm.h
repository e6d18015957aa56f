#pragma once
// The training panel's form: a config from models/ with overrides (filters, blocks, K, attention,
// dequantizer, coupling), the data, the run folder and the budget. While a run trains, the form
// shows that run's own config and is read-only. The Attention box shows the per-stage truth of a
// config whose stages differ ("per stage: none, none, self").
#include <QWidget>

#include <optional>

#include "model/ModelConfig.h"

class QComboBox;
class QLineEdit;
class QSpinBox;

namespace flowpp::ui {

class TrainingForm : public QWidget {
  Q_OBJECT
 public:
  explicit TrainingForm(QWidget* parent = nullptr);
  // The config the form describes: the chosen file with the form's overrides. Throws ConfigError.
  ModelConfig config() const;
  void showConfig(const ModelConfig& config, const QString& origin);  // a run's config, read-only
  void setEditable(bool on);
  QString trainData() const;
  QString testData() const;
  QString runFolder() const;
  int minutes() const;
  void setTrainData(const QString& path);
  void setRunFolder(const QString& path);
  void selectConfig(const QString& name);  // e.g. "fmnist-tiny"
  QString attentionText() const;

 Q_SIGNALS:
  void message(const QString& text);

 private:
  void fillFrom(const ModelConfig& c);
  struct Snapshot {
    int filters, blocks, components, attention, dequant, coupling;
    QStringList attentionItems;
  };
  std::optional<Snapshot> beforeRun_;  // the user's form while a run's config is shown
  QComboBox *config_, *attention_, *dequant_, *coupling_;
  QSpinBox *filters_, *blocks_, *components_, *minutes_;
  QLineEdit *trainData_, *testData_, *runDir_;
};

}  // namespace flowpp::ui
