#pragma once
// ModelSession runs every torch computation of the studio off the GUI thread, on two workers that
// each own a copy of the model:
//  - the interactive worker serves samples, interpolation frames, likelihood maps and small
//    dequantization views; for each kind the newest request wins (a request still waiting when a
//    newer one of its kind arrives is dropped);
//  - the background worker runs long jobs (an importance-weighted bound with many samples, many
//    dequantization draws, the data set's bits/dim histogram) in chunks. Between chunks it reports
//    progress, honours cancel, and waits while interactive work is running, so interactive
//    requests never queue behind a long job.
// Results are the core's plain report structs; this header includes no torch headers.
// Thread-safety: call every method from the GUI thread; all signals arrive on the GUI thread.
#include <QObject>
#include <QVector>

#include <memory>

#include "SessionTypes.h"

namespace flowpp::ui {

class ModelSession : public QObject {
  Q_OBJECT
 public:
  explicit ModelSession(QObject* parent = nullptr);
  ~ModelSession() override;

  void openModel(const QString& path);
  void openDataset(const QString& path, int limit = 0);
  quint64 requestSamples(const SampleRequest& r);
  quint64 requestInterpolation(const InterpolationRequest& r);
  quint64 requestLikelihood(const LikelihoodRequest& r);
  quint64 requestDequant(const DequantRequest& r);
  quint64 requestLayers(const LayersRequest& r);
  // Bits/dim of the first `count` images of the open data set, in the background.
  void requestReferenceHistogram(int count);
  // What an image costs as bytes (interactive, newest wins).
  quint64 requestCodeLengths(const CodeLengthRequest& r);
  // The open data set into the .fppz file `path`, written atomically (background, cancellable).
  void compressDataset(const QString& path);
  // Latent directions of the open data set (class means where it has labels, principal directions),
  // in the background; then images move along them on the interactive path.
  void requestLatentDirections();
  quint64 requestLatentMove(const LatentMoveRequest& r);
  void cancel(JobKind kind);  // a long job of this kind stops at its next chunk

  bool hasModel() const { return hasModel_; }
  bool isLoading() const { return loading_; }
  const ModelInfo& modelInfo() const { return info_; }
  // Requests of these sizes run as long jobs on the background worker.
  static constexpr int kInteractiveImportanceSamples = 64, kInteractiveDraws = 128;

 Q_SIGNALS:
  void modelOpened(const flowpp::ui::ModelInfo& info);
  void modelFailed(const QString& path, const QString& message);  // the previous model (if any) stays
  // `note`: what was done to fit the model (images resized or converted, files skipped), or "".
  void datasetOpened(const QString& path, const QVector<QImage>& images, const QString& format, const QString& note);
  void samplesReady(const flowpp::SampleReport& report);
  void interpolationReady(const flowpp::InterpolationReport& report);
  void likelihoodReady(quint64 requestId, const flowpp::LikelihoodReport& report);  // bpdIw is NaN while a bound is pending
  void boundReady(const flowpp::ui::BoundReport& report);
  void dequantReady(const flowpp::DequantReport& report);
  void layersReady(const flowpp::LayersReport& report);
  void referenceReady(const flowpp::ui::ReferenceReport& report);
  void codeLengthsReady(const flowpp::ui::CodeLengthReport& report);
  void compressionFinished(const flowpp::ui::CompressionReport& report);
  void latentDirectionsReady(const flowpp::ui::LatentDirectionsInfo& info);
  void latentMoveReady(const flowpp::ui::LatentMoveReport& report);
  // Waiting (queued behind other work), Running (with progress done/total where known), Finished...
  void jobState(flowpp::ui::JobKind kind, flowpp::ui::JobState state, qint64 done, qint64 total);
  void error(const QString& message);

 private:
  struct Private;
  std::unique_ptr<Private> d_;
  bool hasModel_ = false, loading_ = false;
  ModelInfo info_;
};

}  // namespace flowpp::ui
