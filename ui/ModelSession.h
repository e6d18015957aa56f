#pragma once
// ModelSession owns the model and runs every torch computation on its own worker thread; the GUI
// thread never runs torch work. Requests are queued; for the interactive kinds (samples,
// interpolation, likelihood, dequantization) the newest request wins: a request still waiting when
// a newer one of the same kind arrives is dropped. Results come back as signals carrying plain data
// (QImage, QVector), never tensors. Thread-safety: call the request*/open* methods from the GUI
// thread only; all signals are delivered on the GUI thread.
#include <QImage>
#include <QMutex>
#include <QObject>
#include <QStringList>
#include <QThread>
#include <QVector>

#include <atomic>
#include <optional>

namespace flowpp::ui {

struct ModelInfo {
  QString path, name, description, configJson, device;
  qint64 parameters = 0;
  int channels = 1, height = 28, width = 28, nBits = 8;
  bool variationalDequantization = true;
  QString trainedNote;  // steps and metrics from the checkpoint
};

struct SampleRequest {
  int count = 16;
  double temperature = 1.0;
  quint64 seed = 0;
};
struct SampleResult {
  quint64 id = 0;
  SampleRequest request;
  QVector<QImage> images;
  QVector<double> bitsPerDim;  // of each sample, one-sample ELBO
  double seconds = 0, meanIterations = 0;
};

struct InterpolationRequest {
  QImage a, b;
  int steps = 9;
  bool spherical = false;
};
struct InterpolationResult {
  quint64 id = 0;
  QVector<QImage> frames;
  QVector<double> bitsPerDim;
  double reconstructionErrorA = 0, reconstructionErrorB = 0;  // max |x - decode(encode(x))|, pixel levels
  double seconds = 0;
};

struct LikelihoodRequest {
  QImage image;
  int importanceSamples = 16;
  int mapSamples = 8;  // dequantization draws averaged into the map
};
struct LikelihoodResult {
  quint64 id = 0;
  QImage image;               // as the model saw it (after conversion)
  QVector<double> bits;       // [H * W] bits per pixel (channels summed)
  int width = 0, height = 0;
  QVector<QPair<QString, double>> breakdownBits;  // term -> bits over the image (sums to totalBits)
  double totalBits = 0, bpdMap = 0, bpdElbo = 0, bpdIw = 0;
  int importanceSamples = 1;
};

struct DequantRequest {
  QImage image;
  int draws = 64;
  int shownSamples = 6;
};
struct DequantResult {
  quint64 id = 0;
  bool variational = true;
  QVector<QImage> samples;                  // u draws shown as images (u * 255)
  QVector<double> meanU, stdU;              // [H * W], channel-averaged
  int width = 0, height = 0;
  QVector<qint64> histogram;                // counts of u over [0,1) in `histogram.size()` bins
  qint64 histogramTotal = 0;                // sub-pixels x draws
  double minU = 0, maxU = 0;
  double meanNegLogQ = 0, meanLogP = 0;     // per image, nats: -log q(u|x) and log p(x+u), averaged over draws
  QVector<int> ks;                          // K values of the IW gap chart
  QVector<double> iwBpd;                    // IW bits/dim for each K
  double elboBpd = 0;
};

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
  // Bits/dim of the first `count` images of the open data set (for the reference histogram), with
  // progress; cancelReferenceHistogram() stops it.
  void requestReferenceHistogram(int count);
  void cancelReferenceHistogram() { cancelReference_ = true; }

  bool hasModel() const { return hasModel_; }
  const ModelInfo& modelInfo() const { return info_; }

 Q_SIGNALS:
  void modelOpened(const flowpp::ui::ModelInfo& info);
  void datasetOpened(const QString& path, const QVector<QImage>& images, const QString& format);
  void samplesReady(const flowpp::ui::SampleResult& result);
  void interpolationReady(const flowpp::ui::InterpolationResult& result);
  void likelihoodReady(const flowpp::ui::LikelihoodResult& result);
  void dequantReady(const flowpp::ui::DequantResult& result);
  void referenceProgress(int done, int total);
  void referenceReady(const QVector<double>& bitsPerDim, bool cancelled);
  void busy(const QString& what);  // empty when idle
  void error(const QString& message);

 private:
  struct Private;
  template <typename F>
  void post(F&& work);
  // Stores `request` as the newest of its kind and queues `work(request, id)` on the worker.
  template <typename Request, typename Work>
  quint64 latestWins(std::optional<Request>& slot, const Request& request, Work work);

  QThread thread_;
  QObject* worker_;
  Private* d_;  // lives on the worker thread; deleted after it stops
  QMutex mutex_;
  std::optional<SampleRequest> pendingSample_;
  std::optional<InterpolationRequest> pendingInterp_;
  std::optional<LikelihoodRequest> pendingLikelihood_;
  std::optional<DequantRequest> pendingDequant_;
  quint64 nextId_ = 0;
  std::atomic<bool> cancelReference_{false};
  bool hasModel_ = false;
  ModelInfo info_;
};

}  // namespace flowpp::ui

Q_DECLARE_METATYPE(flowpp::ui::ModelInfo)
Q_DECLARE_METATYPE(flowpp::ui::SampleResult)
Q_DECLARE_METATYPE(flowpp::ui::InterpolationResult)
Q_DECLARE_METATYPE(flowpp::ui::LikelihoodResult)
Q_DECLARE_METATYPE(flowpp::ui::DequantResult)
