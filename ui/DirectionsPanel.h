#pragma once
// Moving an image along directions in the latent space (as the Glow demo does with attributes): the
// open data set's class-mean directions (from its labels), "class A → class B", and its principal
// directions. The directions are computed in the background (progress, Cancel); the slider moves
// the image live on the interactive path. At 0 the image comes back exactly.
#include <QWidget>

#include "ModelSession.h"

class QCheckBox;
class QComboBox;
class QLabel;
class QProgressBar;
class QPushButton;
class QSlider;
class QSpinBox;

namespace flowpp::ui {

class PixelView;

class DirectionsPanel : public QWidget {
  Q_OBJECT
 public:
  explicit DirectionsPanel(ModelSession* session, QWidget* parent = nullptr);
  void setDataset(const QVector<QImage>& images);
  const LatentDirectionsInfo& directions() const { return info_; }
  const LatentMoveReport& lastMove() const { return last_; }
  QSlider* amountSlider() const { return amount_; }
  QComboBox* directionBox() const { return direction_; }

 public Q_SLOTS:
  void computeDirections();

 Q_SIGNALS:
  void directionsShown();
  void moveShown();

 private:
  void request();
  void showDirections(const LatentDirectionsInfo& info);
  void showJobState(JobKind kind, JobState state, qint64 done, qint64 total);
  double amount() const;

  ModelSession* session_;
  QVector<QImage> dataset_;
  QSpinBox* index_;
  QPushButton *compute_, *cancel_;
  QProgressBar* progress_;
  QLabel *state_, *amountLabel_, *caption_;
  QComboBox *direction_, *fromClass_, *toClass_;
  QCheckBox* classPair_;
  QSlider* amount_;
  PixelView *original_, *moved_;
  LatentDirectionsInfo info_;
  LatentMoveReport last_;
};

}  // namespace flowpp::ui
