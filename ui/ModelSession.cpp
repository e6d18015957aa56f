#include "ModelSession.h"

#include <ATen/Context.h>

#include <QElapsedTimer>
#include <QFileInfo>

#include <cmath>

#include "TensorImage.h"
#include "data/Dataset.h"
#include "explore/Evaluation.h"
#include "explore/Interpolation.h"
#include "explore/PixelLikelihood.h"
#include "model/Checkpoint.h"

namespace flowpp::ui {

struct ModelSession::Private {
  FlowPlusPlus model{nullptr};
  torch::Tensor dataset;  // uint8 [N, C, H, W]

  torch::Tensor toInput(const QImage& image) const {  // n-bit integer pixels [1, C, H, W]
    const auto& c = model->config();
    QImage scaled = image;
    if (image.width() != c.width || image.height() != c.height)
      scaled = image.scaled(c.width, c.height, Qt::IgnoreAspectRatio, Qt::SmoothTransformation);
    return quantize(fromQImage(scaled, c.channels), c.nBits).unsqueeze(0);
  }
  QImage toImage(const torch::Tensor& xN) const { return toQImage(toDisplay8(xN, model->config().nBits)); }
  QVector<double> bpdOf(const torch::Tensor& x) {
    torch::NoGradGuard g;
    auto bpd = model->bitsPerDim(model->logLikelihood(x).logp).to(torch::kDouble).cpu();
    return QVector<double>(bpd.data_ptr<double>(), bpd.data_ptr<double>() + bpd.numel());
  }
};

ModelSession::ModelSession(QObject* parent) : QObject(parent), worker_(new QObject), d_(new Private) {
  qRegisterMetaType<ModelInfo>();
  qRegisterMetaType<SampleResult>();
  qRegisterMetaType<InterpolationResult>();
  qRegisterMetaType<LikelihoodResult>();
  qRegisterMetaType<DequantResult>();
  worker_->moveToThread(&thread_);
  connect(&thread_, &QThread::finished, worker_, &QObject::deleteLater);
  thread_.setObjectName("ModelSession");
  thread_.start();
  post([] {
    // Grad mode and the FP environment are per thread: set them on the thread that computes.
    at::globalContext().setFlushDenormal(true);
  });
}

ModelSession::~ModelSession() {
  cancelReference_ = true;
  thread_.quit();
  thread_.wait();
  delete d_;
}

template <typename F>
void ModelSession::post(F&& work) {
  QMetaObject::invokeMethod(
      worker_,
      [this, work = std::forward<F>(work)]() mutable {
        torch::NoGradGuard noGrad;
        try {
          work();
        } catch (const c10::Error& e) {
          std::string what = e.what_without_backtrace();
          Q_EMIT error(QString::fromStdString(what.substr(0, what.find('\n'))));
        } catch (const std::exception& e) {
          Q_EMIT error(QString::fromStdString(e.what()));
        }
        Q_EMIT busy(QString());
      },
      Qt::QueuedConnection);
}

template <typename Request, typename Work>
quint64 ModelSession::latestWins(std::optional<Request>& slot, const Request& request, Work work) {
  quint64 id;
  {
    QMutexLocker lock(&mutex_);
    slot = request;  // replaces a request of this kind that has not started yet
    id = ++nextId_;
  }
  post([this, &slot, id, work] {
    std::optional<Request> r;
    {
      QMutexLocker lock(&mutex_);
      r.swap(slot);
    }
    if (r && d_->model) work(*r, id);  // empty: superseded, its newer request was served
  });
  return id;
}

void ModelSession::openModel(const QString& path) {
  post([this, path] {
    Q_EMIT busy(tr("Opening %1…").arg(QFileInfo(path).fileName()));
    // Load fully before replacing: a corrupt file leaves the previous model in place.
    auto loaded = loadModel(path.toStdString());
    if (loaded.fresh) throw std::runtime_error("'" + path.toStdString() + "' is a config, not a trained model: train it first");
    const auto device = torch::cuda::is_available() ? torch::Device(torch::kCUDA) : torch::Device(torch::kCPU);
    loaded.model->to(device);
    loaded.model->eval();
    ModelInfo info;
    const auto& c = loaded.model->config();
    info.path = QString::fromStdString(loaded.path);
    info.name = QString::fromStdString(c.name);
    info.description = QString::fromStdString(c.description);
    info.configJson = QString::fromStdString(c.toJson().dump(2));
    info.device = device.is_cuda() ? "CUDA" : QString("CPU, %1 threads").arg(torch::get_num_threads());
    info.parameters = loaded.model->parameterCount();
    info.channels = c.channels, info.height = c.height, info.width = c.width, info.nBits = c.nBits;
    info.variationalDequantization = loaded.model->variationalDequantization();
    if (loaded.meta.contains("step"))
      info.trainedNote = tr("%1 steps").arg(loaded.meta["step"].get<qint64>());
    if (loaded.meta.contains("test_bpd_iw"))
      info.trainedNote += tr(", test %1 bits/dim").arg(loaded.meta["test_bpd_iw"].get<double>(), 0, 'f', 3);
    d_->model = loaded.model;
    QMetaObject::invokeMethod(this, [this, info] {
      info_ = info;
      hasModel_ = true;
      Q_EMIT modelOpened(info);
    });
  });
}

void ModelSession::openDataset(const QString& path, int limit) {
  post([this, path, limit] {
    Q_EMIT busy(tr("Reading %1…").arg(QFileInfo(path).fileName()));
    std::optional<ImageShape> shape;
    if (d_->model) shape = ImageShape{d_->model->config().channels, d_->model->config().height, d_->model->config().width};
    auto data = loadDataset(path.toStdString(), limit, shape);
    if (shape) requireShape(data, *shape);
    d_->dataset = data.images;
    QVector<QImage> images;
    images.reserve(data.size());
    for (int64_t i = 0; i < data.size(); ++i) images.push_back(toQImage(data.images[i]));
    Q_EMIT datasetOpened(path, images, QString::fromStdString(data.format));
  });
}

quint64 ModelSession::requestSamples(const SampleRequest& request) {
  return latestWins(pendingSample_, request, [this](const SampleRequest& r, quint64 id) {
    Q_EMIT busy(tr("Sampling…"));
    QElapsedTimer timer;
    timer.start();
    auto s = d_->model->sample(r.count, r.temperature, r.seed);
    SampleResult out;
    out.id = id;
    out.request = r;
    out.seconds = timer.nsecsElapsed() / 1e9;
    out.meanIterations = s.meanIterations;
    for (int64_t i = 0; i < s.x.size(0); ++i) out.images.push_back(d_->toImage(s.x[i]));
    out.bitsPerDim = d_->bpdOf(s.x);
    Q_EMIT samplesReady(out);
  });
}

quint64 ModelSession::requestInterpolation(const InterpolationRequest& request) {
  return latestWins(pendingInterp_, request, [this](const InterpolationRequest& r, quint64 id) {
    Q_EMIT busy(tr("Interpolating…"));
    QElapsedTimer timer;
    timer.start();
    auto xa = d_->toInput(r.a), xb = d_->toInput(r.b);
    auto path = interpolateLatents(d_->model->encode(xa), d_->model->encode(xb), r.steps, r.spherical);
    auto decoded = d_->model->decode(path).x.cpu();
    InterpolationResult out;
    out.id = id;
    for (int64_t i = 0; i < decoded.size(0); ++i) out.frames.push_back(d_->toImage(decoded[i]));
    out.bitsPerDim = d_->bpdOf(decoded);
    out.reconstructionErrorA = (decoded[0] - xa[0]).abs().max().item<double>();
    out.reconstructionErrorB = (decoded[decoded.size(0) - 1] - xb[0]).abs().max().item<double>();
    out.seconds = timer.nsecsElapsed() / 1e9;
    Q_EMIT interpolationReady(out);
  });
}

quint64 ModelSession::requestLikelihood(const LikelihoodRequest& request) {
  return latestWins(pendingLikelihood_, request, [this](const LikelihoodRequest& r, quint64 id) {
    Q_EMIT busy(tr("Computing the likelihood map…"));
    auto x = d_->toInput(r.image);
    auto pl = pixelLikelihood(d_->model, x[0], r.mapSamples, 0);
    torch::manual_seed(1);
    auto bounds = d_->model->importanceWeighted(x, r.importanceSamples);
    LikelihoodResult out;
    out.id = id;
    out.image = d_->toImage(x[0]);
    auto perPixel = pl.bits.sum(0).contiguous();
    out.height = static_cast<int>(perPixel.size(0));
    out.width = static_cast<int>(perPixel.size(1));
    out.bits = QVector<double>(perPixel.data_ptr<double>(), perPixel.data_ptr<double>() + perPixel.numel());
    for (const auto& [name, bits] : pl.breakdownBits) out.breakdownBits.push_back({QString::fromStdString(name), bits});
    out.totalBits = pl.totalBits;
    out.bpdMap = pl.bitsPerDim;
    out.bpdElbo = d_->model->bitsPerDim(bounds.elbo).item<double>();
    out.bpdIw = d_->model->bitsPerDim(bounds.iw).item<double>();
    out.importanceSamples = r.importanceSamples;
    Q_EMIT likelihoodReady(out);
  });
}

quint64 ModelSession::requestDequant(const DequantRequest& request) {
  return latestWins(pendingDequant_, request, [this](const DequantRequest& r, quint64 id) {
    Q_EMIT busy(tr("Drawing dequantization noise…"));
    auto& model = d_->model;
    auto x = d_->toInput(r.image);
    torch::manual_seed(2);
    auto batch = x.expand({r.draws, -1, -1, -1}).contiguous();
    auto dq = model->dequantize(batch.to(model->device()));
    auto u = dq.u.to(torch::kDouble).cpu();
    DequantResult out;
    out.id = id;
    out.variational = model->variationalDequantization();
    for (int i = 0; i < std::min<int>(r.shownSamples, r.draws); ++i)
      out.samples.push_back(toQImage((u[i] * 255.0).floor().clamp(0, 255).to(torch::kUInt8)));
    auto mean = u.mean(torch::IntArrayRef{0, 1}).contiguous();
    auto sd = u.std(0, false).mean(0).contiguous();
    out.height = static_cast<int>(mean.size(0));
    out.width = static_cast<int>(mean.size(1));
    out.meanU = QVector<double>(mean.data_ptr<double>(), mean.data_ptr<double>() + mean.numel());
    out.stdU = QVector<double>(sd.data_ptr<double>(), sd.data_ptr<double>() + sd.numel());
    const int bins = 50;
    auto counts = torch::histc(u.flatten(), bins, 0.0, 1.0).to(torch::kLong);
    for (int b = 0; b < bins; ++b) out.histogram.push_back(counts[b].item<int64_t>());
    out.histogramTotal = u.numel();
    out.minU = u.min().item<double>();
    out.maxU = u.max().item<double>();
    // The two bound terms, per image: -log q(u|x) and log p(x+u) = bound + log q.
    auto negLogQ = -sumPerSample(dq.logq).to(torch::kDouble).cpu();
    auto lik = model->flowForward(batch.to(model->device()) + dq.u);
    auto logp = sumPerSample(lik.logdet).to(torch::kDouble).cpu() +
                sumPerSample(standardNormalLogProb(lik.out)).to(torch::kDouble).cpu();
    out.meanNegLogQ = negLogQ.mean().item<double>();
    out.meanLogP = logp.mean().item<double>();
    out.ks = {1, 4, 16, 64};
    const auto curve = importanceWeightedCurve(model, x, {1, 4, 16, 64}, 3);
    out.iwBpd = QVector<double>(curve.begin(), curve.end());
    out.elboBpd = curve.front();
    Q_EMIT dequantReady(out);
  });
}

void ModelSession::requestReferenceHistogram(int count) {
  cancelReference_ = false;
  post([this, count] {
    if (!d_->model || !d_->dataset.defined()) throw std::runtime_error("open a model and a data set first");
    const int n = std::min<int>(count, static_cast<int>(d_->dataset.size(0)));
    QVector<double> bpd;
    torch::manual_seed(4);
    for (int start = 0; start < n && !cancelReference_; start += 100) {
      const int m = std::min(100, n - start);
      auto x = quantize(d_->dataset.narrow(0, start, m), d_->model->config().nBits);
      bpd += d_->bpdOf(x);
      Q_EMIT referenceProgress(start + m, n);
    }
    Q_EMIT referenceReady(bpd, cancelReference_.load());
  });
}

}  // namespace flowpp::ui
