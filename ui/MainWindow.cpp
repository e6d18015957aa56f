#include "MainWindow.h"

#include <QApplication>
#include <QCloseEvent>
#include <QCoreApplication>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QLabel>
#include <QMenuBar>
#include <QMessageBox>
#include <QSettings>
#include <QStatusBar>
#include <QScrollArea>
#include <QTabWidget>
#include <QVBoxLayout>

#include "Charts.h"
#include "CompressionPanel.h"
#include "Dequant1DPanel.h"
#include "DirectionsPanel.h"
#include "DequantPanel.h"
#include "ExplainBox.h"
#include "Explanations.h"
#include "MessageBar.h"
#include "ModelDescription.h"
#include "InterpolationPanel.h"
#include "LayersPanel.h"
#include "LikelihoodPanel.h"
#include "Paths.h"
#include "PixelView.h"
#include "PixelsImage.h"
#include "PlaygroundPanel.h"
#include "data/Pixels.h"
#include "SamplesPanel.h"
#include "TrainingPanel.h"

namespace flowpp::ui {

MainWindow::MainWindow(QWidget* parent) : QMainWindow(parent), session_(new ModelSession(this)) {
  setWindowTitle(tr("Flow++ Studio"));
  setWindowIcon(QIcon(":/flowpp-studio.svg"));
  tabs_ = new QTabWidget;
  messages_ = new MessageBar;
  samples_ = new SamplesPanel(session_);
  interpolation_ = new InterpolationPanel(session_, [this] { return samples_->selectedImage(); });
  likelihood_ = new LikelihoodPanel(session_, [this] { return samples_->selectedImage(); });
  dequant_ = new DequantPanel(session_);
  compression_ = new CompressionPanel(session_);
  directions_ = new DirectionsPanel(session_);
  layers_ = new LayersPanel(session_, [this] { return samples_->selectedImage(); });
  training_ = new TrainingPanel;
  playground_ = new PlaygroundPanel;
  dequant1d_ = new Dequant1DPanel(playground_->worker());
  auto* playgroundTabs = new QTabWidget;
  playgroundTabs->setDocumentMode(true);
  playgroundTabs->addTab(page(playground_, "playground", explain::playground()), tr("2-D flows: mixture vs affine"));
  playgroundTabs->addTab(page(dequant1d_, "dequant1d", explain::dequant1d()), tr("1-D dequantization"));
  tabs_->addTab(page(samples_, "samples", explain::samples()), tr("&Samples"));
  tabs_->addTab(page(interpolation_, "interpolation", explain::interpolation()), tr("&Interpolation"));
  tabs_->addTab(page(likelihood_, "likelihood", explain::likelihood()), tr("&Likelihood"));
  tabs_->addTab(page(dequant_, "dequantization", explain::dequantization()), tr("&Dequantization"));
  tabs_->addTab(page(layers_, "layers", explain::layers()), tr("La&yers"));
  tabs_->addTab(page(training_, "training", explain::training()), tr("&Training"));
  tabs_->addTab(playgroundTabs, tr("&Playground"));
  tabs_->addTab(page(compression_, "compression", explain::compression()), tr("Co&mpression"));
  tabs_->addTab(page(directions_, "directions", explain::directions()), tr("Di&rections"));
  // A page's own keys (Space and "." in the playground) work as soon as it is shown, however it was
  // reached (Alt+7, a click on the tab, the View menu): the keyboard focus moves into the page.
  const QList<QWidget*> panels = {samples_, interpolation_, likelihood_, dequant_, layers_, training_, playgroundTabs,
                                  compression_, directions_};
  connect(tabs_, &QTabWidget::currentChanged, this, [this, panels, playgroundTabs](int i) {
    if (i < 0 || i >= panels.size() || panels[i]->isAncestorOf(QApplication::focusWidget())) return;
    QWidget* target = panels[i] == playgroundTabs ? playgroundTabs->currentWidget() : panels[i];
    if (target == playgroundTabs->widget(0)) target = playground_;
    target->setFocus();
  });
  connect(playground_, &PlaygroundPanel::message, this, [this](const QString& m) { messages_->show(MessageBar::Kind::Error, m); });
  auto* central = new QWidget;
  auto* layout = new QVBoxLayout(central);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addWidget(messages_);
  layout->addWidget(tabs_, 1);
  setCentralWidget(central);

  modelLabel_ = new QLabel(tr("Loading the model…"));
  modelLabel_->setMinimumWidth(50);
  deviceLabel_ = new QLabel;
  statusBar()->addWidget(modelLabel_, 1);
  statusBar()->addPermanentWidget(deviceLabel_);
  buildMenus();

  connect(session_, &ModelSession::modelOpened, this, [this](const ModelInfo& info) {
    modelLabel_->setText(tr("%1 · %2 parameters · %3×%4×%5, %6-bit%7")
                             .arg(info.name)
                             .arg(QLocale().toString(info.parameters))
                             .arg(info.channels)
                             .arg(info.height)
                             .arg(info.width)
                             .arg(info.nBits)
                             .arg(info.trainedNote.isEmpty() ? QString() : " · " + info.trainedNote));
    modelLabel_->setToolTip(info.path + "\n\n" + info.description + "\n\n" + info.configJson);
    deviceLabel_->setText(info.device);
    QSettings().setValue("lastModel", info.path);
    const bool startupError = startup_ && !messages_->text().isEmpty();  // why the bundled model opened
    if (!startupError) messages_->clear();
    startup_ = false;
    statusBar()->showMessage(tr("Opened %1").arg(info.path), 4000);
  });
  connect(session_, &ModelSession::modelFailed, this, &MainWindow::onModelFailed);
  connect(session_, &ModelSession::datasetOpened, this, [this](const QString& path, const QVector<QImage>& images,
                                                                const QString& format, const QString& note) {
    interpolation_->setDataset(images);
    likelihood_->setDataset(images);
    likelihood_->setDatasetPath(path);
    dequant_->setDataset(images);
    compression_->setDataset(images);
    directions_->setDataset(images);
    QSettings().setValue("lastDataset", path);
    statusBar()->showMessage(tr("Data set %1: %2 images (%3)").arg(QFileInfo(path).fileName()).arg(images.size()).arg(format), 4000);
    if (!note.isEmpty())  // images changed to fit the model: said where it stays readable
      messages_->show(MessageBar::Kind::Information, tr("Data set %1: %2").arg(QFileInfo(path).fileName(), note));
  });
  connect(session_, &ModelSession::error, this, [this](const QString& m) { showError(m); });

  QSettings settings;
  restoreGeometry(settings.value("geometry").toByteArray());
  restoreState(settings.value("windowState").toByteArray());
  tabs_->setCurrentIndex(settings.value("tab", 0).toInt());
  if (!settings.contains("geometry")) resize(1100, 720);
}

MainWindow::~MainWindow() = default;

QString MainWindow::bundledModelPath() {
  const QString path = QDir(modelsDirectory()).filePath("fmnist-small.fpp");
  return QFileInfo::exists(path) ? QDir::cleanPath(path) : QString();
}

void MainWindow::openStartupModel(const QString& path) {
  QSettings settings;
  QString chosen = path;
  if (chosen.isEmpty() && QFileInfo::exists(settings.value("lastModel").toString())) chosen = settings.value("lastModel").toString();
  if (chosen.isEmpty()) chosen = bundledModelPath();
  if (chosen.isEmpty()) {
    modelLabel_->setText(tr("No model"));
    messages_->show(MessageBar::Kind::Information,
                    tr("No model to open. Open one with File ▸ Open model (Ctrl+O), or train one: flowpp train --model "
                       "models/fmnist-small.json --data <images> --out run --minutes 10"));
    return;
  }
  openModel(chosen);
  QString data = settings.value("lastDataset").toString();
  const QString fashion = "/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz";
  if (!QFileInfo::exists(data) && QFileInfo::exists(fashion)) data = fashion;
  if (QFileInfo::exists(data)) openDataset(data);
}

void MainWindow::openModel(const QString& path) { session_->openModel(path); }
void MainWindow::openDataset(const QString& path) { session_->openDataset(path, 10000); }

void MainWindow::chooseModel() {
  const QString path = QFileDialog::getOpenFileName(this, tr("Open model or checkpoint"), QFileInfo(QSettings().value("lastModel").toString()).path(),
                                                    tr("Flow++ models (*.fpp);;All files (*)"));
  if (!path.isEmpty()) openModel(path);
}

void MainWindow::chooseDataset() {
  const QString path = QFileDialog::getOpenFileName(this, tr("Open data set"), "/usr/share/datasets",
                                                    tr("IDX or CIFAR-10 files (*.gz *-ubyte *.bin);;All files (*)"));
  if (!path.isEmpty()) openDataset(path);
}

void MainWindow::chooseImage() {
  const QString path = QFileDialog::getOpenFileName(this, tr("Open image"), {}, tr("Images (*.png *.jpg *.jpeg *.bmp *.pgm *.ppm *.pbm *.tif *.tiff *.webp *.jp2 *.exr *.hdr);;All files (*)"));
  if (!path.isEmpty()) openImageFile(path);
}

bool MainWindow::openImageFile(const QString& path) {
  // Read with OpenCV (any format it decodes), converted to the model's size and channels with a note.
  QImage img;
  QString note;
  try {
    std::optional<flowpp::ImageShape> shape;
    if (session_->hasModel()) {
      const auto& m = session_->modelInfo();
      shape = flowpp::ImageShape{m.channels, m.height, m.width};
    }
    std::string conversion;
    img = toQImage(flowpp::readImagePixels(path.toStdString(), shape, &conversion));
    note = QString::fromStdString(conversion);
  } catch (const std::exception& e) {
    showError(tr("%1; nothing changed.").arg(QString::fromStdString(e.what())));
    return false;
  }
  likelihood_->setImage(img, QFileInfo(path).fileName() + (note.isEmpty() ? QString() : " — " + note));
  showPanel(likelihood_);
  return true;
}

void MainWindow::buildMenus() {
  auto* file = menuBar()->addMenu(tr("&File"));
  file->addAction(tr("&Open model or checkpoint…"), QKeySequence::Open, this, &MainWindow::chooseModel);
  file->addAction(tr("Open &image…"), QKeySequence(tr("Ctrl+I")), this, &MainWindow::chooseImage);
  file->addAction(tr("Open &data set…"), QKeySequence(tr("Ctrl+D")), this, &MainWindow::chooseDataset);
  file->addSeparator();
  file->addAction(tr("&Export samples…"), QKeySequence(tr("Ctrl+E")), samples_, &SamplesPanel::saveGrid);
  file->addAction(tr("Export &interpolation strip…"), interpolation_, &InterpolationPanel::exportStrip);
  file->addSeparator();
  file->addAction(tr("&Quit"), QKeySequence::Quit, this, &QWidget::close);
  auto* view = menuBar()->addMenu(tr("&View"));
  view->addAction(tr("&New samples (new seed)"), QKeySequence::New, this, [this] {
    showPanel(samples_);
    samples_->newSeed();
  });
  view->addSeparator();
  const QStringList names = {tr("Samples"), tr("Interpolation"), tr("Likelihood"), tr("Dequantization"), tr("Layers"), tr("Training"), tr("Playground"),
                              tr("Compression"), tr("Directions")};
  for (int i = 0; i < names.size(); ++i)
    view->addAction(names[i], QKeySequence(QString("Alt+%1").arg(i + 1)), this, [this, i] { tabs_->setCurrentIndex(i); });
  view->addSeparator();
  auto* original = view->addAction(tr("&Original pixel size"));
  original->setCheckable(true);
  original->setShortcut(QKeySequence(tr("Ctrl+1")));
  original->setToolTip(tr("Show images at 1:1 pixels instead of magnified"));
  connect(original, &QAction::toggled, this, [this](bool on) {
    for (auto* v : findChildren<PixelView*>()) v->setOriginalSize(on);
  });
  auto* presentation = view->addAction(tr("&Presentation mode"));
  presentation->setCheckable(true);
  presentation->setShortcut(QKeySequence(Qt::Key_F5));
  presentation->setToolTip(tr("Large text and thick chart lines for a projector; hides the explanation boxes"));
  connect(presentation, &QAction::toggled, this, &MainWindow::setPresentationMode);
  view->addAction(tr("About this &model…"), this, [this] {
    const auto& m = session_->modelInfo();
    QMessageBox box(this);
    box.setWindowTitle(tr("Model"));
    box.setText(plainModelDescription(m));
    box.setDetailedText(tr("Notes from its config: %1\n\n%2").arg(m.description, m.configJson));
    box.exec();
  });
  auto* help = menuBar()->addMenu(tr("&Help"));
  help->addAction(tr("&Keyboard shortcuts"), QKeySequence(tr("F1")), this, &MainWindow::showShortcuts);
  help->addAction(tr("&About Flow++ Studio"), this, &MainWindow::showAbout);
}

void MainWindow::showError(const QString& message, const QString& details) {
  lastError_ = message;
  messages_->show(MessageBar::Kind::Error, message, details);
}

void MainWindow::onModelFailed(const QString& path, const QString& message) {
  const QString sentence = tr("Could not open %1: %2").arg(QFileInfo(path).fileName(), message);
  const QString bundled = bundledModelPath();
  if (!session_->hasModel() && !bundled.isEmpty() && QFileInfo(path).canonicalFilePath() != QFileInfo(bundled).canonicalFilePath()) {
    showError(sentence + tr(" — opened the bundled model instead."), path + "\n\n" + message);
    session_->openModel(bundled);
    return;
  }
  showError(sentence + (session_->hasModel() ? tr(" — the previous model stays open.") : QString()), path + "\n\n" + message);
  if (!session_->hasModel()) modelLabel_->setText(tr("No model"));
}

// Brings every tab that holds `panel` to the front (the playground's pages are tabs within a tab).
void MainWindow::showPanel(QWidget* panel) {
  for (QWidget* w = panel; w && w->parentWidget(); w = w->parentWidget())
    if (auto* tabs = qobject_cast<QTabWidget*>(w->parentWidget()->parentWidget()); tabs && tabs->indexOf(w) >= 0)
      tabs->setCurrentWidget(w);
}

namespace {
// A page's content as a scroll area sees it: as tall as the window allows, scrolling only below its
// minimum. (A word-wrapped label makes the layout height-for-width, and the scroll area would then
// give the page its preferred height: the main outputs of several tabs ended below the fold.)
class PageContent : public QWidget {
 public:
  int heightForWidth(int) const override { return minimumSizeHint().height(); }
};
}  // namespace

QWidget* MainWindow::page(QWidget* panel, const QString& key, const QString& explanation) const {
  auto* content = new PageContent;
  auto* layout = new QVBoxLayout(content);
  layout->setContentsMargins(0, 4, 0, 0);
  layout->addWidget(new ExplainBox(key, explanation));
  layout->addWidget(panel, 1);
  auto* scroll = new QScrollArea;
  scroll->setWidget(content);
  scroll->setWidgetResizable(true);
  scroll->setFrameShape(QFrame::NoFrame);
  panel->setMinimumSize(760, 470);  // below this the page scrolls: nothing is squeezed unreadable
  return scroll;
}

void MainWindow::setPresentationMode(bool on) {
  flowpp::ui::setPresentationMode(on);
  statusBar()->clearMessage();  // a message shown during the font change was drawn over the model's line
  QFont font = QApplication::font();
  if (on) font.setPointSizeF(font.pointSizeF() * 1.5);
  setFont(font);  // every widget of the window inherits it
  for (auto* view : findChildren<QChartView*>()) styleChart(view->chart());
  for (auto* box : findChildren<ExplainBox*>()) box->setVisible(!on);
}

void MainWindow::showAbout() {
  QMessageBox::about(this, tr("About Flow++ Studio"),
                     tr("<h3>Flow++ Studio %1</h3><p>Explore Flow++ (Ho, Chen, Srinivas, Duan, Abbeel, ICML 2019): "
                        "live sampling, latent interpolation, per-pixel likelihood, the learned dequantization noise, "
                        "and training with the paper's ablations.</p><p>LibTorch core; Qt %2.</p>")
                         .arg(FLOWPP_VERSION)
                         .arg(qVersion()));
}

void MainWindow::showShortcuts() {
  QMessageBox::information(this, tr("Keyboard shortcuts"),
                           tr("Ctrl+O  open a model or checkpoint\nCtrl+I  open an image (Likelihood tab)\n"
                              "Ctrl+D  open a data set\nCtrl+E  export the samples grid\nCtrl+S  save (in the Samples tab)\n"
                              "Ctrl+N  new seed (any tab: shows the Samples tab)\nCtrl+1  original pixel size\nAlt+1…9  switch tabs\n"
                              "Ctrl+Shift+C  compress the data set (Compression tab)\nF5  presentation mode (large text, thick lines)\n\n"
                              "Playground: Space  train or pause · .  one step · Ctrl+R  reset to step 0\n"
                              "Charts (click one first): arrows  pan · + / −  zoom · 0  follow the newest data again · "
                              "drag  zoom to a box · right-click  zoom out\n\nF1  this list\nCtrl+Q  quit"));
}

void MainWindow::closeEvent(QCloseEvent* e) {
  if (!training_->confirmClose()) {
    e->ignore();
    return;
  }
  QSettings settings;
  settings.setValue("geometry", saveGeometry());
  settings.setValue("windowState", saveState());
  settings.setValue("tab", tabs_->currentIndex());
  e->accept();
}

}  // namespace flowpp::ui
