#pragma once
// Latent interpolation: encode two images, decode the path between their latents (linear or
// spherical), scrub it, read each frame's bits/dim, check the ends reconstruct exactly, export.
#include <QWidget>
#include <functional>

#include "ModelSession.h"

class QComboBox;
class QLabel;
class QSlider;
class QSpinBox;

namespace flowpp::ui {

class ImageGrid;
class PixelView;

class InterpolationPanel : public QWidget {
  Q_OBJECT
 public:
  InterpolationPanel(ModelSession* session, std::function<QImage()> currentSample, QWidget* parent = nullptr);
  void setDataset(const QVector<QImage>& images);
  void setEndpoint(int which, const QImage& image, const QString& origin);
  const InterpolationReport& lastResult() const { return last_; }
  QVector<QImage> frames() const { return frames_; }
  // Writes the frames as frame-000.png ... into `dir`; old frame files there are removed first when
  // `replaceOld` (else they are reported and nothing is written). Returns an error message or "".
  QString writeFrames(const QString& dir, bool replaceOld);
  QSpinBox* indexBox(int which) const { return which == 0 ? indexA_ : indexB_; }

 public Q_SLOTS:
  void run();
  void exportStrip();
  void exportFrames();

 Q_SIGNALS:
  void interpolationShown();

 private:
  QWidget* endpointBox(int which);
  void showResult(const InterpolationReport& r);
  void showFrame(int i);

  ModelSession* session_;
  std::function<QImage()> currentSample_;
  QVector<QImage> dataset_;
  QImage ends_[2];
  PixelView* endViews_[2];
  QLabel* endLabels_[2];
  QSpinBox *indexA_ = nullptr, *indexB_ = nullptr, *steps_;
  QComboBox* mode_;
  ImageGrid* strip_;
  PixelView* frame_;
  QSlider* scrub_;
  QLabel *frameInfo_, *info_;
  InterpolationReport last_;
  QVector<QImage> frames_;
};

}  // namespace flowpp::ui
