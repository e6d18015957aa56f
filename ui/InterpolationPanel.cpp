#include "InterpolationPanel.h"

#include <QComboBox>
#include <QDialog>
#include <QDir>
#include <QFileInfo>
#include <QFileDialog>
#include <QGridLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QMessageBox>
#include <QPushButton>
#include <QSlider>
#include <QSpinBox>
#include <QVBoxLayout>

#include "ImageGrid.h"
#include "PixelView.h"
#include "PixelsImage.h"
#include "ExportFigure.h"
#include "ExportFile.h"

namespace flowpp::ui {

InterpolationPanel::InterpolationPanel(ModelSession* session, std::function<QImage()> currentSample, QWidget* parent)
    : QWidget(parent), session_(session), currentSample_(std::move(currentSample)) {
  steps_ = new QSpinBox;
  steps_->setRange(2, 64);
  steps_->setValue(9);
  steps_->setToolTip(tr("Frames along the path, both ends included"));
  mode_ = new QComboBox;
  mode_->addItems({tr("Linear"), tr("Spherical")});
  mode_->setToolTip(tr("Linear: z(t) = (1−t)·z_A + t·z_B.\nSpherical (slerp) keeps |z| near that of a typical Gaussian "
                       "sample, so the middle frames stay as sharp as the ends."));
  strip_ = new ImageGrid;
  strip_->setMinimumHeight(90);
  frame_ = new PixelView;
  scrub_ = new QSlider(Qt::Horizontal);
  scrub_->setToolTip(tr("Scrub along the latent path: each frame is f⁻¹(z(t))"));
  frameInfo_ = new QLabel;
  info_ = new QLabel(tr("Choose two images: from the data set, a file, or the selected sample."));
  info_->setWordWrap(true);
  auto* exportPng = new QPushButton(tr("Export strip…"));
  exportPng->setToolTip(tr("Save the frames side by side as one PNG"));
  auto* exportDir = new QPushButton(tr("Export frames…"));
  exportDir->setToolTip(tr("Save each frame as a numbered PNG (for a GIF or video: Qt and OpenCV here write no GIF)"));

  auto* top = new QHBoxLayout;
  top->addWidget(endpointBox(0));
  top->addWidget(endpointBox(1));
  auto* opts = new QVBoxLayout;
  opts->addWidget(new QLabel(tr("Frames")));
  opts->addWidget(steps_);
  opts->addWidget(new QLabel(tr("Path")));
  opts->addWidget(mode_);
  opts->addWidget(exportPng);
  opts->addWidget(exportDir);
  opts->addStretch();
  top->addLayout(opts);
  top->addWidget(frame_, 1);
  auto* layout = new QVBoxLayout(this);
  layout->addLayout(top, 2);
  layout->addWidget(strip_, 1);
  layout->addWidget(scrub_);
  layout->addWidget(frameInfo_);
  layout->addWidget(info_);

  connect(steps_, &QSpinBox::valueChanged, this, &InterpolationPanel::run);
  connect(mode_, &QComboBox::currentIndexChanged, this, &InterpolationPanel::run);
  connect(scrub_, &QSlider::valueChanged, this, &InterpolationPanel::showFrame);
  connect(strip_, &ImageGrid::imageClicked, scrub_, &QSlider::setValue);
  connect(exportPng, &QPushButton::clicked, this, &InterpolationPanel::exportStrip);
  connect(exportDir, &QPushButton::clicked, this, &InterpolationPanel::exportFrames);
  connect(session_, &ModelSession::interpolationReady, this, &InterpolationPanel::showResult);
  connect(session_, &ModelSession::modelOpened, this, &InterpolationPanel::run);
}

QWidget* InterpolationPanel::endpointBox(int which) {
  auto* box = new QGroupBox(which == 0 ? tr("Image A") : tr("Image B"));
  endViews_[which] = new PixelView;
  endLabels_[which] = new QLabel(tr("none"));
  endLabels_[which]->setWordWrap(true);
  auto* index = new QSpinBox;
  index->setRange(0, 0);
  index->setEnabled(false);
  index->setToolTip(tr("Index of the image in the open data set"));
  (which == 0 ? indexA_ : indexB_) = index;
  auto* file = new QPushButton(tr("File…"));
  file->setToolTip(tr("Any image OpenCV/Qt can read; converted to the model's size and channels"));
  auto* sample = new QPushButton(tr("Sample"));
  sample->setToolTip(tr("Use the sample selected in the Samples tab"));
  auto* browse = new QPushButton(tr("Browse…"));
  browse->setToolTip(tr("Pick from thumbnails of the open data set"));
  auto* l = new QGridLayout(box);
  l->addWidget(endViews_[which], 0, 0, 1, 3);
  l->addWidget(index, 1, 0);
  l->addWidget(file, 1, 1);
  l->addWidget(sample, 1, 2);
  l->addWidget(browse, 2, 0, 1, 3);
  l->addWidget(endLabels_[which], 3, 0, 1, 3);
  connect(browse, &QPushButton::clicked, this, [this, index] {
    if (dataset_.isEmpty()) return;
    QDialog dialog(this);
    dialog.setWindowTitle(tr("Choose an image"));
    auto* grid = new ImageGrid;
    auto* page = new QSpinBox;
    const int perPage = 100, pages = (dataset_.size() + perPage - 1) / perPage;
    page->setRange(1, pages);
    page->setPrefix(tr("page "));
    page->setSuffix(tr(" of %1").arg(pages));
    auto show = [this, grid, perPage](int p) {
      const int start = (p - 1) * perPage;
      QStringList tips;
      for (int i = start; i < std::min<int>(start + perPage, dataset_.size()); ++i) tips << tr("#%1").arg(i);
      grid->setImages(dataset_.mid(start, perPage), tips, 10);
    };
    show(index->value() / perPage + 1);
    page->setValue(index->value() / perPage + 1);
    connect(page, &QSpinBox::valueChanged, grid, show);
    connect(grid, &ImageGrid::imageActivated, &dialog, [&, page](int i) {
      index->setValue((page->value() - 1) * perPage + i);
      dialog.accept();
    });
    auto* layout = new QVBoxLayout(&dialog);
    layout->addWidget(new QLabel(tr("Double-click an image")));
    layout->addWidget(grid, 1);
    layout->addWidget(page);
    dialog.resize(640, 700);
    dialog.exec();
  });
  connect(index, &QSpinBox::valueChanged, this, [this, which](int i) {
    if (i < dataset_.size()) setEndpoint(which, dataset_[i], tr("data set #%1").arg(i));
  });
  connect(file, &QPushButton::clicked, this, [this, which] {
    const QString path = QFileDialog::getOpenFileName(this, tr("Open image"), {}, tr("Images (*.png *.jpg *.jpeg *.bmp *.pgm *.ppm *.tif *.webp);;All files (*)"));
    if (path.isEmpty()) return;
    QImage img;
    try {
      img = toQImage(readImagePixels(path.toStdString()));
    } catch (const std::exception& e) {
      info_->setText(tr("%1; nothing changed.").arg(QString::fromStdString(e.what())));
      return;
    }
    setEndpoint(which, img, QFileInfo(path).fileName());
  });
  connect(sample, &QPushButton::clicked, this, [this, which] {
    const QImage img = currentSample_ ? currentSample_() : QImage();
    if (!img.isNull()) setEndpoint(which, img, tr("a sample"));
  });
  return box;
}

void InterpolationPanel::setDataset(const QVector<QImage>& images) {
  dataset_ = images;
  for (auto* box : {indexA_, indexB_}) {
    box->setRange(0, std::max(0, static_cast<int>(images.size()) - 1));
    box->setEnabled(!images.isEmpty());
  }
  if (images.size() >= 2) {
    const QSignalBlocker a(indexA_), b(indexB_);
    indexA_->setValue(0);
    indexB_->setValue(1);
    ends_[0] = images[0];
    ends_[1] = images[1];
    endViews_[0]->setImage(images[0]);
    endViews_[1]->setImage(images[1]);
    endLabels_[0]->setText(tr("data set #0"));
    endLabels_[1]->setText(tr("data set #1"));
    run();
  }
}

void InterpolationPanel::setEndpoint(int which, const QImage& image, const QString& origin) {
  ends_[which] = image;
  endViews_[which]->setImage(image);
  const auto& m = session_->modelInfo();
  QString note = origin;
  if (session_->hasModel() && (image.width() != m.width || image.height() != m.height))
    note += tr(" (resized from %1×%2 to %3×%4)").arg(image.width()).arg(image.height()).arg(m.width).arg(m.height);
  endLabels_[which]->setText(note);
  run();
}

void InterpolationPanel::run() {
  if (!session_->hasModel() || ends_[0].isNull() || ends_[1].isNull()) return;
  InterpolationRequest r{ends_[0], ends_[1], steps_->value(), mode_->currentIndex() == 1};
  session_->requestInterpolation(r);
}

void InterpolationPanel::showResult(const InterpolationReport& r) {
  last_ = r;
  frames_.clear();
  QStringList tips;
  for (size_t i = 0; i < r.frames.size(); ++i) {
    frames_ << toQImage(r.frames[i]);
    tips << tr("Frame %1, t = %2\n%3 bits/dim (one-sample ELBO)").arg(i).arg(double(i) / std::max(1, int(r.frames.size()) - 1), 0, 'f', 2).arg(r.bitsPerDim.at(i), 0, 'f', 3);
  }
  strip_->setImages(frames_, tips, frames_.size());
  scrub_->setRange(0, frames_.size() - 1);
  showFrame(scrub_->value());
  info_->setText(tr("%1 frames in %2 s. Reconstruction of the ends, max |x − f⁻¹(f(x))|: A %3, B %4 pixel levels "
                    "(0 = exact after quantization).")
                     .arg(r.frames.size())
                     .arg(r.seconds, 0, 'f', 2)
                     .arg(r.reconstructionErrorA)
                     .arg(r.reconstructionErrorB));
  Q_EMIT interpolationShown();
}

void InterpolationPanel::showFrame(int i) {
  if (i < 0 || i >= frames_.size()) return;
  frame_->setImage(frames_[i]);
  frameInfo_->setText(tr("Frame %1 of %2 · t = %3 · %4 bits/dim (one-sample ELBO)")
                          .arg(i)
                          .arg(frames_.size() - 1)
                          .arg(double(i) / std::max(1, int(frames_.size()) - 1), 0, 'f', 2)
                          .arg(last_.bitsPerDim.at(i), 0, 'f', 3));
}

void InterpolationPanel::exportStrip() {
  const QString path = QFileDialog::getSaveFileName(this, tr("Export strip"), "interpolation.png", tr("PNG images (*.png)"));
  const QString caption = tr("%1 → %2: %3 frames decoded along a %4 path in the latent space of %5")
                              .arg(endLabels_[0]->text(), endLabels_[1]->text()).arg(frames_.size())
                              .arg(mode_->currentText().toLower(), session_->modelInfo().name);
  if (!path.isEmpty() && !savePngAtomically(exportFigure(strip_->gridImage(), caption), path))
    info_->setText(tr("Could not write %1").arg(path));
}

QString InterpolationPanel::writeFrames(const QString& dir, bool replaceOld) {
  const auto old = QDir(dir).entryList({"frame-*.png"}, QDir::Files);
  if (!old.isEmpty() && !replaceOld) return tr("%1 already holds %2 frame files; nothing written").arg(dir).arg(old.size());
  for (const auto& f : old) QFile::remove(QDir(dir).filePath(f));
  for (int i = 0; i < frames_.size(); ++i) {
    const QString path = QDir(dir).filePath(QString("frame-%1.png").arg(i, 3, 10, QChar('0')));
    if (!savePngAtomically(frames_[i], path)) return tr("Could not write %1 (after %2 of %3 frames)").arg(path).arg(i).arg(frames_.size());
  }
  return {};
}

void InterpolationPanel::exportFrames() {
  if (frames_.isEmpty()) return;
  const QString dir = QFileDialog::getExistingDirectory(this, tr("Folder for the frames"));
  if (dir.isEmpty()) return;
  const int old = QDir(dir).entryList({"frame-*.png"}, QDir::Files).size();
  if (old > 0 && QMessageBox::question(this, tr("Replace frames?"),
                                       tr("%1 already holds %2 frame files from an earlier export. Delete them and write "
                                          "the %3 new frames?").arg(dir).arg(old).arg(frames_.size())) != QMessageBox::Yes)
    return;
  const QString error = writeFrames(dir, true);
  info_->setText(error.isEmpty() ? tr("Wrote %1 frames to %2").arg(frames_.size()).arg(dir) : error);
}

}  // namespace flowpp::ui
