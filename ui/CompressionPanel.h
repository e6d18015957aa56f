#pragma once
// Bits/dim as bytes: what one image of the open data set costs when the model codes it losslessly
// (bits-back coding, codec/), beside the classical codecs' files of the same pixels; the bits-back
// ledger of where the bits go, per step and per pixel (beside the model's heatmap for the same noise); the image saved as a .fppz file; and the whole data set compressed
// into one .fppz in the background, with progress and cancel.
#include <QWidget>

#include "ModelSession.h"

class QLabel;
class QProgressBar;
class QPushButton;
class QSpinBox;
class QTableWidget;

namespace flowpp::ui {

class ColourBar;
class PixelView;

class CompressionPanel : public QWidget {
  Q_OBJECT
 public:
  explicit CompressionPanel(ModelSession* session, QWidget* parent = nullptr);
  void setDataset(const QVector<QImage>& images);
  const CodeLengthReport& lastResult() const { return last_; }

 Q_SIGNALS:
  void codeLengthsShown();
  void compressionShown(const flowpp::ui::CompressionReport& report);

 private:
  void request();
  void showResult(const CodeLengthReport& r);
  void showSizes(const CodeLengthReport& r);
  void showLedger(const CodeLengthReport& r);
  void showMaps(const CodeLengthReport& r);
  void showPixel(int x, int y);
  void showJobState(JobKind kind, JobState state, qint64 done, qint64 total);
  void showCompression(const CompressionReport& r);
  void saveImageFile();
  void compressDataset();

  ModelSession* session_;
  QVector<QImage> dataset_;
  QImage requested_;  // the image last sent to be coded
  QSpinBox* index_;
  PixelView *image_, *codedMap_, *modelMap_;
  ColourBar* scale_;
  QLabel *mapNote_, *pixel_;
  QTableWidget *sizes_, *ledger_;
  QLabel *state_, *summary_, *datasetResult_;
  QPushButton *save_, *compress_, *cancel_;
  QProgressBar* progress_;
  CodeLengthReport last_;
};

}  // namespace flowpp::ui
