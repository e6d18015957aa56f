#include "TrainingForm.h"

#include <QComboBox>
#include <QDir>
#include <QFile>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QSpinBox>
#include <QStandardPaths>

#include "Paths.h"

namespace flowpp::ui {

namespace {
const char* kFashionTrain = "/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz";
const char* kFashionTest = "/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz";
const char* kPerStage = "per stage";
}  // namespace

TrainingForm::TrainingForm(QWidget* parent) : QWidget(parent) {
  config_ = new QComboBox;
  for (const auto& f : QDir(modelsDirectory()).entryInfoList({"*.json"}, QDir::Files, QDir::Name))
    config_->addItem(f.completeBaseName(), f.absoluteFilePath());
  config_->setCurrentIndex(std::max(0, config_->findText("fmnist-small")));
  config_->setToolTip(tr("Model config from models/; the fields below override it"));
  filters_ = new QSpinBox;
  filters_->setRange(1, kMaxFilters);
  filters_->setToolTip(tr("Hidden channels of every coupling's conditioning network (paper: 96 on CIFAR-10)"));
  blocks_ = new QSpinBox;
  blocks_->setRange(0, kMaxBlocks);
  blocks_->setToolTip(tr("Conv-attention blocks per coupling (paper: 10 on CIFAR-10)"));
  components_ = new QSpinBox;
  components_->setRange(1, kMaxComponents);
  components_->setToolTip(tr("K: logistic mixture components of the CDF coupling (paper eq. 7; 32 on CIFAR-10)"));
  attention_ = new QComboBox;
  attention_->addItems({"self", "none", "pointwise"});
  attention_->setToolTip(tr("self: gated multi-head self-attention (paper sec. 3.3); none: convolutions only; pointwise: "
                            "the official ablation's same-size maxout MLP. 'per stage' keeps the config's own choice for "
                            "each stage."));
  dequant_ = new QComboBox;
  dequant_->addItems({"variational", "uniform"});
  dequant_->setToolTip(tr("Variational: learned q(u|x) (paper sec. 3.1.2); uniform: u ~ U[0,1) (the ablation)"));
  coupling_ = new QComboBox;
  coupling_->addItems({"mixlogistic", "affine"});
  coupling_->setToolTip(tr("Logistic-mixture CDF coupling (Flow++, eq. 7) or affine coupling (RealNVP/Glow, eq. 13: the ablation)"));
  trainData_ = new QLineEdit(QFile::exists(kFashionTrain) ? kFashionTrain : "");
  trainData_->setToolTip(tr("IDX file (.gz), CIFAR-10 batch file or folder, or a folder of images"));
  testData_ = new QLineEdit(QFile::exists(kFashionTest) ? kFashionTest : "");
  runDir_ = new QLineEdit(QStandardPaths::writableLocation(QStandardPaths::AppLocalDataLocation) + "/runs/run");
  runDir_->setToolTip(tr("A run folder belongs to one run: a new run needs an unused folder (the studio offers one)"));
  minutes_ = new QSpinBox;
  minutes_->setRange(1, 100000);
  minutes_->setValue(10);
  minutes_->setSuffix(tr(" min"));
  for (QWidget* w : std::initializer_list<QWidget*>{trainData_, testData_, runDir_}) w->setMinimumWidth(80);

  auto* form = new QFormLayout(this);
  form->setContentsMargins(0, 0, 0, 0);
  form->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
  form->addRow(tr("Config"), config_);
  // Pairs share a row so that the form, the buttons and the samples preview fit 1100x720.
  auto pair = [](QWidget* a, QWidget* b, const QString& between) {
    auto* row = new QHBoxLayout;
    row->addWidget(a, 1);
    if (!between.isEmpty()) row->addWidget(new QLabel(between));
    row->addWidget(b, 1);
    return row;
  };
  form->addRow(tr("Filters × blocks"), pair(filters_, blocks_, "×"));
  form->addRow(tr("Components K"), components_);
  form->addRow(tr("Attention"), attention_);
  form->addRow(tr("Dequant., coupling"), pair(dequant_, coupling_, {}));
  form->addRow(tr("Train data"), trainData_);
  form->addRow(tr("Test data"), testData_);
  form->addRow(tr("Run folder"), runDir_);
  form->addRow(tr("Budget"), minutes_);

  connect(config_, &QComboBox::currentIndexChanged, this, [this] {
    try {
      fillFrom(ModelConfig::load(config_->currentData().toString().toStdString()));
    } catch (const std::exception& e) {
      Q_EMIT message(tr("Config error: %1").arg(e.what()));
    }
  });
  Q_EMIT config_->currentIndexChanged(config_->currentIndex());
}

void TrainingForm::fillFrom(const ModelConfig& c) {
  filters_->setValue(c.flow.net.filters);
  blocks_->setValue(c.flow.net.blocks);
  components_->setValue(std::max(1, c.flow.components));
  QStringList perStage;
  bool mixed = false;
  for (const auto& s : c.flow.stages) {
    if (s.squeeze) continue;
    perStage << QString::fromStdString(toString(c.flow.attentionOf(s)));
    mixed = mixed || c.flow.attentionOf(s) != c.flow.net.attention;
  }
  while (attention_->count() > 3) attention_->removeItem(3);
  if (mixed) attention_->addItem(QString("%1: %2").arg(kPerStage, perStage.join(", ")));
  attention_->setCurrentIndex(mixed ? 3 : attention_->findText(QString::fromStdString(toString(c.flow.net.attention))));
  dequant_->setCurrentText(QString::fromStdString(c.dequantizer.type));
  coupling_->setCurrentText(QString::fromStdString(c.flow.coupling));
}

ModelConfig TrainingForm::config() const {
  auto c = ModelConfig::load(config_->currentData().toString().toStdString());
  c.flow.net.filters = filters_->value();
  c.flow.net.blocks = blocks_->value();
  c.flow.components = components_->value();
  if (!attention_->currentText().startsWith(kPerStage)) {
    const auto attention = attentionFromString(attention_->currentText().toStdString());
    c.flow.net.attention = attention;
    for (auto& s : c.flow.stages) s.attention.reset();
  }
  if (c.flow.net.filters % c.flow.net.heads != 0)
    throw ConfigError(tr("filters (%1) must be divisible by the %2 attention heads").arg(c.flow.net.filters).arg(c.flow.net.heads).toStdString());
  c.dequantizer.type = dequant_->currentText().toStdString();
  c.flow.coupling = coupling_->currentText().toStdString();
  return c;
}

void TrainingForm::showConfig(const ModelConfig& c, const QString& origin) {
  if (!beforeRun_) {
    QStringList items;
    for (int i = 0; i < attention_->count(); ++i) items << attention_->itemText(i);
    beforeRun_ = Snapshot{filters_->value(), blocks_->value(), components_->value(), attention_->currentIndex(),
                          dequant_->currentIndex(), coupling_->currentIndex(), items};
  }
  fillFrom(c);
  setEditable(false);
  setToolTip(tr("The config of %1 (read-only while it trains)").arg(origin));
}

void TrainingForm::setEditable(bool on) {
  for (QWidget* w : std::initializer_list<QWidget*>{config_, filters_, blocks_, components_, attention_, dequant_, coupling_,
                                                   trainData_, testData_, runDir_})
    w->setEnabled(on);
  if (on && beforeRun_) {  // back to what the user had set up
    const auto& s = *beforeRun_;
    filters_->setValue(s.filters), blocks_->setValue(s.blocks), components_->setValue(s.components);
    attention_->clear();
    attention_->addItems(s.attentionItems);
    attention_->setCurrentIndex(s.attention);
    dequant_->setCurrentIndex(s.dequant), coupling_->setCurrentIndex(s.coupling);
    beforeRun_.reset();
    setToolTip({});
  }
}

QString TrainingForm::trainData() const { return trainData_->text(); }
QString TrainingForm::testData() const { return testData_->text(); }
QString TrainingForm::runFolder() const { return runDir_->text(); }
int TrainingForm::minutes() const { return minutes_->value(); }
void TrainingForm::setTrainData(const QString& path) { trainData_->setText(path); }
void TrainingForm::setRunFolder(const QString& path) { runDir_->setText(path); }
QString TrainingForm::attentionText() const { return attention_->currentText(); }

void TrainingForm::selectConfig(const QString& name) {
  const int i = config_->findText(name);
  if (i >= 0) config_->setCurrentIndex(i);
}

}  // namespace flowpp::ui
