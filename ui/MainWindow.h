#pragma once
// The studio's main window: one tab per panel, menus, shortcuts, a status bar with the model, the
// device and errors, and settings (last model, last data set, layout) kept in QSettings.
#include <QMainWindow>

#include "ModelSession.h"

class QLabel;
class QTabWidget;

namespace flowpp::ui {

class SamplesPanel;
class InterpolationPanel;
class LikelihoodPanel;
class CompressionPanel;
class DequantPanel;
class DirectionsPanel;
class TrainingPanel;
class PlaygroundPanel;
class LayersPanel;
class Dequant1DPanel;
class MessageBar;

class MainWindow : public QMainWindow {
  Q_OBJECT
 public:
  explicit MainWindow(QWidget* parent = nullptr);
  ~MainWindow() override;
  ModelSession* session() const { return session_; }
  QTabWidget* tabs() const { return tabs_; }
  SamplesPanel* samplesPanel() const { return samples_; }
  InterpolationPanel* interpolationPanel() const { return interpolation_; }
  LikelihoodPanel* likelihoodPanel() const { return likelihood_; }
  DequantPanel* dequantPanel() const { return dequant_; }
  CompressionPanel* compressionPanel() const { return compression_; }
  DirectionsPanel* directionsPanel() const { return directions_; }
  TrainingPanel* trainingPanel() const { return training_; }
  PlaygroundPanel* playgroundPanel() const { return playground_; }
  LayersPanel* layersPanel() const { return layers_; }
  Dequant1DPanel* dequant1dPanel() const { return dequant1d_; }
  QString lastError() const { return lastError_; }
  MessageBar* messageBar() const { return messages_; }

  // Opens `path`, else the last model, else the bundled one; says how to get one when none exists.
  // When `path` (or the last model) cannot be opened, the message bar says why and the bundled
  // model is opened instead.
  void openStartupModel(const QString& path = {});
  static QString bundledModelPath();
  void showPanel(QWidget* panel);  // switches to the tab that holds it

 public Q_SLOTS:
  void openModel(const QString& path);
  void openDataset(const QString& path);
  void chooseModel();
  void chooseDataset();
  void chooseImage();
  bool openImageFile(const QString& path);  // into the Likelihood tab; false (and an error) if unreadable
  void showAbout();
  void showShortcuts();
  // For teaching on a projector: text 1.5x larger, chart lines twice as thick, no "What am I
  // looking at?" boxes (View ▸ Presentation mode, F5).
  void setPresentationMode(bool on);

 protected:
  void closeEvent(QCloseEvent* e) override;

 private:
  void buildMenus();
  void showError(const QString& message, const QString& details = {});
  void onModelFailed(const QString& path, const QString& message);
  // A tab's page: its "What am I looking at?" box above the panel, in a scroll area (small windows
  // scroll instead of clipping).
  QWidget* page(QWidget* panel, const QString& key, const QString& explanation) const;  // a scroll area, so small windows scroll instead of clipping

  ModelSession* session_;
  QTabWidget* tabs_;
  SamplesPanel* samples_;
  InterpolationPanel* interpolation_;
  LikelihoodPanel* likelihood_;
  DequantPanel* dequant_;
  CompressionPanel* compression_;
  DirectionsPanel* directions_;
  TrainingPanel* training_;
  PlaygroundPanel* playground_;
  LayersPanel* layers_;
  Dequant1DPanel* dequant1d_;
  QLabel *modelLabel_, *deviceLabel_;
  MessageBar* messages_;
  QString lastError_;
  bool startup_ = true;  // until the first model opens: a failure falls back to the bundled model
};

}  // namespace flowpp::ui
