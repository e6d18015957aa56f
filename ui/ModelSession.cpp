#include "ModelSession.h"

#include <QFileInfo>
#include <QMutex>
#include <QThread>

#include <atomic>
#include <chrono>
#include <optional>
#include <thread>

#include "ModelWorker.h"
#include "codec/Compressor.h"
#include "codec/ImageCodeLengths.h"
#include "PixelsImage.h"
#include "data/Dataset.h"
#include "data/ImageIo.h"
#include "explore/DequantStats.h"
#include "explore/LatentDirections.h"
#include "explore/LayerView.h"
#include "explore/Evaluation.h"
#include "explore/Interpolation.h"
#include "explore/PixelLikelihood.h"
#include "explore/SampleGrid.h"
#include "model/Checkpoint.h"
#include "util/Device.h"
#include "util/AtomicFile.h"
#include "util/Random.h"

namespace flowpp::ui {

// A long job of one kind: a newer request (or a cancel) bumps the generation, and the running job
// stops at its next chunk when its generation is no longer current.
struct LongJob {
  std::atomic<quint64> generation{0};
};

namespace {

std::string describe(const std::exception& e) {
  if (auto* c = dynamic_cast<const c10::Error*>(&e)) {
    std::string what = c->what_without_backtrace();
    return "the computation failed inside LibTorch: " + what.substr(0, what.find('\n'));
  }
  return e.what();
}
}  // namespace

struct ModelSession::Private {
  ModelSession* q;
  QMutex mutex;  // guards the pending slots and the data set
  std::optional<SampleRequest> pendingSample;
  std::optional<InterpolationRequest> pendingInterp;
  std::optional<std::pair<quint64, LikelihoodRequest>> pendingLikelihood;
  std::optional<DequantRequest> pendingDequant;
  std::optional<LayersRequest> pendingLayers;
  std::optional<CodeLengthRequest> pendingCodeLengths;
  std::optional<LatentMoveRequest> pendingLatentMove;
  torch::Tensor dataset;  // uint8 [N, C, H, W], shared read-only by both workers
  std::vector<int64_t> labels;       // the data set's, where it has them
  std::vector<std::string> classes;
  std::shared_ptr<const LatentDirectionSet> directions;  // of the open model and data set
  quint64 nextId = 0;
  std::atomic<int> interactiveActive{0};
  LongJob bound, dequant, reference, compression, directionsJob;
  // Declared last: destroyed first, so no job outlives the state above. The interactive worker posts
  // to the background one (a model's copy), so it is stopped first (see ~ModelSession).
  ModelWorker background{"ModelSession background"}, interactive{"ModelSession interactive"};

  explicit Private(ModelSession* session) : q(session) {}

  // Runs `work` with errors turned into the error signal and the job's state reported.
  void run(JobKind kind, const std::function<void()>& work) {
    try {
      Q_EMIT q->jobState(kind, JobState::Running, 0, 0);
      work();
    } catch (const std::exception& e) {
      Q_EMIT q->jobState(kind, JobState::Failed, 0, 0);
      Q_EMIT q->error(QString::fromStdString(describe(e)));
    }
  }

  // Interactive work: newest request of a kind wins; the background worker yields while it runs.
  template <typename Slot, typename Request, typename Work>
  void latestWins(JobKind kind, Slot& slot, const Request& request, Work work) {
    {
      QMutexLocker lock(&mutex);
      slot = request;
    }
    ++interactiveActive;
    Q_EMIT q->jobState(kind, JobState::Waiting, 0, 0);
    interactive.post([this, kind, &slot, work] {
      Slot r;
      {
        QMutexLocker lock(&mutex);
        r.swap(slot);
      }
      if (r && interactive.model) {
        torch::NoGradGuard noGrad;
        run(kind, [&] { work(*r); });
      } else {
        Q_EMIT q->jobState(kind, JobState::Cancelled, 0, 0);  // superseded (its newer request ran) or no model
      }
      --interactiveActive;
    });
  }

  // A long job on the background worker: chunks report progress, stop when superseded or cancelled,
  // and pause while interactive work runs.
  template <typename Work>
  void longJob(JobKind kind, LongJob& job, Work work) {
    const quint64 generation = ++job.generation;
    Q_EMIT q->jobState(kind, JobState::Waiting, 0, 0);
    background.post([this, kind, &job, generation, work] {
      if (job.generation != generation || !background.model) return;
      auto progress = [this, kind, &job, generation](int64_t done, int64_t total) {
        Q_EMIT q->jobState(kind, JobState::Running, done, total);
        while (interactiveActive > 0 && job.generation == generation)
          std::this_thread::sleep_for(std::chrono::milliseconds(5));
        return job.generation == generation;
      };
      torch::NoGradGuard noGrad;
      run(kind, [&] {
        const bool finished = work(ProgressFn(progress));
        Q_EMIT q->jobState(kind, finished ? JobState::Finished : JobState::Cancelled, 0, 0);
      });
    });
  }

  // uint8 [C, H, W] at the model's shape (resized and converted as readImage would).
  static torch::Tensor toImage8(const QImage& image, const FlowPlusPlus& model) {
    const auto& c = model->config();
    return fromPixels(convertPixels(toPixels8(image), ImageShape{c.channels, c.height, c.width}));
  }
};

ModelSession::ModelSession(QObject* parent) : QObject(parent), d_(std::make_unique<Private>(this)) {
  qRegisterMetaType<ModelInfo>();
  qRegisterMetaType<JobKind>();
  qRegisterMetaType<JobState>();
  qRegisterMetaType<BoundReport>();
  qRegisterMetaType<ReferenceReport>();
  qRegisterMetaType<CodeLengthReport>();
  qRegisterMetaType<CompressionReport>();
  qRegisterMetaType<LatentDirectionsInfo>();
  qRegisterMetaType<LatentMoveReport>();
  qRegisterMetaType<SampleReport>();
  qRegisterMetaType<InterpolationReport>();
  qRegisterMetaType<LikelihoodReport>();
  qRegisterMetaType<DequantReport>();
  qRegisterMetaType<LayersReport>();
}

ModelSession::~ModelSession() {
  for (auto* job : {&d_->bound, &d_->dequant, &d_->reference, &d_->compression, &d_->directionsJob}) ++job->generation;  // long jobs stop at their next chunk
  // Join the workers while the session and all its state are alive: a job in flight (a model
  // loading, say) may still post to the background worker and emit this session's signals.
  d_->interactive.stop();
  d_->background.stop();
}

namespace {
ModelInfo describeModel(const LoadedModel& loaded, const torch::Device& device) {
  ModelInfo info;
  const auto& c = loaded.model->config();
  info.path = QString::fromStdString(loaded.path);
  info.name = QString::fromStdString(c.name);
  info.description = QString::fromStdString(c.description);
  info.configJson = QString::fromStdString(c.toJson().dump(2));
  const int threads = torch::get_num_threads();
  info.device = device.is_cuda() ? "CUDA" : QString("CPU, %1 thread%2").arg(threads).arg(threads == 1 ? "" : "s");
  info.parameters = loaded.model->parameterCount();
  info.channels = c.channels, info.height = c.height, info.width = c.width, info.nBits = c.nBits;
  info.variationalDequantization = loaded.model->variationalDequantization();
  if (loaded.meta.contains("step") && loaded.meta["step"].is_number())
    info.trainedNote = QObject::tr("%1 steps in its last training run").arg(loaded.meta["step"].get<qint64>());
  if (loaded.meta.contains("test_bpd_iw") && loaded.meta["test_bpd_iw"].is_number())
    info.trainedNote += QObject::tr(", test %1 bits/dim (importance-weighted)").arg(loaded.meta["test_bpd_iw"].get<double>(), 0, 'f', 3);
  return info;
}
}  // namespace

void ModelSession::openModel(const QString& path) {
  loading_ = true;
  for (auto* job : {&d_->bound, &d_->dequant, &d_->reference, &d_->compression, &d_->directionsJob}) ++job->generation;
  {
    QMutexLocker lock(&d_->mutex);
    d_->directions.reset();  // another model's latents
  }
  d_->interactive.post([this, path] {
    Q_EMIT jobState(JobKind::Model, JobState::Running, 0, 0);
    try {
      // Load fully before replacing: a corrupt file leaves the previous model in place.
      auto loaded = loadModel(path.toStdString());
      if (loaded.fresh) throw std::runtime_error("'" + path.toStdString() + "' is a config, not a trained model: train it first");
      const auto device = deviceFromName("auto");
      loaded.model->to(device);
      loaded.model->eval();
      const auto info = describeModel(loaded, device);
      auto state = std::make_shared<TensorMap>(stateOf(*loaded.model));
      const auto config = loaded.model->config();
      d_->interactive.model = loaded.model;
      d_->background.post([this, state, config, device, path] {
        auto copy = buildModel(config, 0);
        loadState(*copy, *state, path.toStdString());
        copy->to(device);
        copy->eval();
        d_->background.model = copy;
      });
      QMetaObject::invokeMethod(this, [this, info] {
        info_ = info;
        hasModel_ = true;
        loading_ = false;
        Q_EMIT modelOpened(info);
        Q_EMIT jobState(JobKind::Model, JobState::Finished, 0, 0);
      });
    } catch (const std::exception& e) {
      const QString message = QString::fromStdString(describe(e));
      QMetaObject::invokeMethod(this, [this, path, message] {
        loading_ = false;
        Q_EMIT modelFailed(path, message);
        Q_EMIT jobState(JobKind::Model, JobState::Failed, 0, 0);
      });
    }
  });
}

void ModelSession::openDataset(const QString& path, int limit) {
  d_->interactive.post([this, path, limit] {
    d_->run(JobKind::Dataset, [&] {
      std::optional<ImageShape> shape;
      if (auto& m = d_->interactive.model) shape = ImageShape{m->config().channels, m->config().height, m->config().width};
      // Explored as test data (a CIFAR-10 folder gives its test batch); images of another size are
      // converted to the model's, and the note says so.
      DataOptions o;
      o.limit = limit, o.shape = shape, o.resize = true, o.role = DataRole::Test;
      auto data = loadDataset(path.toStdString(), o);
      if (shape) {
        try {
          requireShape(data, *shape);
        } catch (const DataError& e) {
          throw DataError(std::string(e.what()) + ". Open a data set of the model's size (File ▸ Open data set…, Ctrl+D); "
                          "samples and the layers view work without one");
        }
      }
      {
        QMutexLocker lock(&d_->mutex);
        d_->dataset = data.images;
        d_->labels = data.labels;
        d_->classes = data.classes;
        d_->directions.reset();  // another data set's
      }
      QVector<QImage> images;
      images.reserve(data.size());
      for (int64_t i = 0; i < data.size(); ++i) images.push_back(toQImage(toPixels(data.images[i])));
      Q_EMIT datasetOpened(path, images, QString::fromStdString(data.format), QString::fromStdString(data.note));
      Q_EMIT jobState(JobKind::Dataset, JobState::Finished, 0, 0);
    });
  });
}

quint64 ModelSession::requestSamples(const SampleRequest& request) {
  d_->latestWins(JobKind::Samples, d_->pendingSample, request, [this](const SampleRequest& r) {
    Q_EMIT samplesReady(sampleReport(d_->interactive.model, r.count, r.temperature, r.seed));
    Q_EMIT jobState(JobKind::Samples, JobState::Finished, 0, 0);
  });
  return ++d_->nextId;
}

quint64 ModelSession::requestInterpolation(const InterpolationRequest& request) {
  d_->latestWins(JobKind::Interpolation, d_->pendingInterp, request, [this](const InterpolationRequest& r) {
    Q_EMIT interpolationReady(interpolate(d_->interactive.model, Private::toImage8(r.a, d_->interactive.model), Private::toImage8(r.b, d_->interactive.model), r.steps, r.spherical));
    Q_EMIT jobState(JobKind::Interpolation, JobState::Finished, 0, 0);
  });
  return ++d_->nextId;
}

quint64 ModelSession::requestLikelihood(const LikelihoodRequest& request) {
  const quint64 id = ++d_->nextId;
  ++d_->bound.generation;  // a newer image supersedes a bound still being computed
  d_->latestWins(JobKind::Likelihood, d_->pendingLikelihood, std::make_pair(id, request),
                 [this](const std::pair<quint64, LikelihoodRequest>& r) {
                   const auto& [rid, req] = r;
                   // Decided by the request that runs (the newest), not by the one that posted the job.
                   const bool longBound = req.importanceSamples > kInteractiveImportanceSamples;
                   auto image = Private::toImage8(req.image, d_->interactive.model);
                   auto report = likelihoodReport(d_->interactive.model, image, req.mapSamples,
                                                  longBound ? 1 : req.importanceSamples, 0);
                   if (longBound) report.bpdIw = std::nan(""), report.importanceSamples = req.importanceSamples;
                   Q_EMIT likelihoodReady(rid, report);
                   Q_EMIT jobState(JobKind::Likelihood, JobState::Finished, 0, 0);
                   if (!longBound) return;
                   QMetaObject::invokeMethod(this, [this, rid = rid, image, k = req.importanceSamples] {
                     d_->longJob(JobKind::LikelihoodBound, d_->bound, [this, rid, image, k](const ProgressFn& progress) {
                       EvalOptions eo;
                       eo.importanceSamples = k, eo.batchSize = 32, eo.seed = mixSeed({0, 0x1b});
                       auto e = evaluate(d_->background.model, image.unsqueeze(0), eo, progress);
                       Q_EMIT boundReady({rid, e.meanElbo, e.meanIw, k, e.cancelled});
                       return !e.cancelled;
                     });
                   });
                 });
  return id;
}

quint64 ModelSession::requestLayers(const LayersRequest& request) {
  d_->latestWins(JobKind::Layers, d_->pendingLayers, request, [this](const LayersRequest& r) {
    auto& model = d_->interactive.model;
    Q_EMIT layersReady(r.sample ? sampleLayersReport(model, r.temperature, r.seed) : layersReport(model, Private::toImage8(r.image, model), r.seed));
    Q_EMIT jobState(JobKind::Layers, JobState::Finished, 0, 0);
  });
  return ++d_->nextId;
}

quint64 ModelSession::requestDequant(const DequantRequest& request) {
  if (request.draws <= kInteractiveDraws) {
    ++d_->dequant.generation;
    d_->latestWins(JobKind::Dequant, d_->pendingDequant, request, [this](const DequantRequest& r) {
      Q_EMIT dequantReady(dequantStats(d_->interactive.model, Private::toImage8(r.image, d_->interactive.model), r.draws, r.shownSamples, 2));
      Q_EMIT jobState(JobKind::Dequant, JobState::Finished, 0, 0);
    });
  } else {
    d_->longJob(JobKind::Dequant, d_->dequant, [this, request](const ProgressFn& progress) {
      auto& model = d_->background.model;
      auto report = dequantStats(model, Private::toImage8(request.image, model), request.draws, request.shownSamples, 2, progress);
      if (!report.cancelled) Q_EMIT dequantReady(report);
      return !report.cancelled;
    });
  }
  return ++d_->nextId;
}

void ModelSession::requestReferenceHistogram(int count) {
  d_->longJob(JobKind::Reference, d_->reference, [this, count](const ProgressFn& progress) {
    torch::Tensor data;
    {
      QMutexLocker lock(&d_->mutex);
      data = d_->dataset;
    }
    if (!data.defined()) throw std::runtime_error("open a data set first");
    const int64_t n = std::min<int64_t>(count, data.size(0));
    EvalOptions eo;
    eo.batchSize = 50, eo.seed = 4;
    auto r = evaluate(d_->background.model, data.narrow(0, 0, n), eo, progress);
    ReferenceReport report;
    report.cancelled = r.cancelled;
    if (r.images > 0) report.bitsPerDim.assign(r.bpdElbo.data_ptr<double>(), r.bpdElbo.data_ptr<double>() + r.images);
    Q_EMIT referenceReady(report);
    return !r.cancelled;
  });
}

quint64 ModelSession::requestCodeLengths(const CodeLengthRequest& request) {
  d_->latestWins(JobKind::CodeLengths, d_->pendingCodeLengths, request, [this](const CodeLengthRequest& r) {
    auto& model = d_->interactive.model;
    const auto c = codec::imageCodeLengths(model, quantize(Private::toImage8(r.image, model), model->config().nBits).to(torch::kLong));
    CodeLengthReport report;
    report.image = r.image;
    report.dims = c.dims;
    report.noiseBits = c.ledger.noiseBits, report.dequantizerBits = c.ledger.dequantizerBits;
    report.flowBits = c.ledger.flowBits, report.priorBits = c.ledger.priorBits, report.netBits = c.ledger.net();
    report.boundBits = c.boundBits, report.singleFlowBits = c.singleFlowBits;
    report.height = int(c.codedPixelBits.size(1)), report.width = int(c.codedPixelBits.size(2));
    const auto coded = c.codedPixelBits.sum(0).contiguous(), modelled = c.modelPixelBits.sum(0).contiguous();
    report.codedBits.assign(coded.data_ptr<double>(), coded.data_ptr<double>() + coded.numel());
    report.modelBits.assign(modelled.data_ptr<double>(), modelled.data_ptr<double>() + modelled.numel());
    report.singleFile = QByteArray(c.singleFile.data(), qsizetype(c.singleFile.size()));
    report.singleCodedWith = QString::fromStdString(c.singleCodedWith);
    for (const auto& k : c.classical) {
      report.classicalNames << QString::fromStdString(k.name);
      report.classicalSettings << QString::fromStdString(k.settings);
      report.classicalBytes << k.bytes;
    }
    Q_EMIT codeLengthsReady(report);
    Q_EMIT jobState(JobKind::CodeLengths, JobState::Finished, 0, 0);
  });
  return ++d_->nextId;
}

void ModelSession::compressDataset(const QString& path) {
  d_->longJob(JobKind::Compression, d_->compression, [this, path](const ProgressFn& progress) {
    torch::Tensor data;
    {
      QMutexLocker lock(&d_->mutex);
      data = d_->dataset;
    }
    if (!data.defined()) throw std::runtime_error("open a data set first");
    auto& model = d_->background.model;
    codec::CompressOptions o;
    o.progress = [&](const codec::CodingProgress& p) { return progress(p.done, p.total); };
    const auto r = codec::compressImages(model, quantize(data, model->config().nBits).to(torch::kLong), o);
    CompressionReport report;
    report.path = path, report.cancelled = r.cancelled;
    if (!r.cancelled) {
      writeFileAtomically(path.toStdString(), r.file);
      report.images = r.images, report.bytes = qint64(r.file.size()), report.bitsPerDim = r.bitsPerDim;
      report.boundBitsPerDim = r.boundBitsPerDim, report.seconds = r.encodeSeconds + r.verifySeconds, report.verified = r.verified;
    }
    Q_EMIT compressionFinished(report);
    return !r.cancelled;
  });
}

void ModelSession::requestLatentDirections() {
  d_->longJob(JobKind::LatentDirections, d_->directionsJob, [this](const ProgressFn& progress) {
    torch::Tensor data;
    std::vector<int64_t> labels;
    std::vector<std::string> classes;
    {
      QMutexLocker lock(&d_->mutex);
      data = d_->dataset, labels = d_->labels, classes = d_->classes;
    }
    if (!data.defined()) throw std::runtime_error("open a data set first");
    auto set = std::make_shared<LatentDirectionSet>(computeLatentDirections(d_->background.model, data, labels, classes, 5, 2000, progress));
    LatentDirectionsInfo info;
    info.cancelled = set->cancelled, info.images = set->images;
    if (!set->cancelled) {
      for (const auto& dir : set->directions) info.names << QString::fromStdString(dir.name);
      for (const auto& c : set->classes) info.classes << QString::fromStdString(c);
      QMutexLocker lock(&d_->mutex);
      d_->directions = set;
    }
    Q_EMIT latentDirectionsReady(info);
    return !set->cancelled;
  });
}

quint64 ModelSession::requestLatentMove(const LatentMoveRequest& request) {
  d_->latestWins(JobKind::LatentMove, d_->pendingLatentMove, request, [this](const LatentMoveRequest& r) {
    std::shared_ptr<const LatentDirectionSet> set;
    {
      QMutexLocker lock(&d_->mutex);
      set = d_->directions;
    }
    if (!set) throw std::runtime_error("compute the latent directions first");
    const bool classPair = r.fromClass >= 0 && r.toClass >= 0;
    if (!classPair && (r.direction < 0 || r.direction >= int(set->directions.size()))) throw std::runtime_error("no such latent direction");
    const auto direction = classPair ? classToClass(*set, r.fromClass, r.toClass) : set->directions[size_t(r.direction)];
    auto& model = d_->interactive.model;
    LatentMoveReport report;
    report.image = moveAlong(model, Private::toImage8(r.image, model), direction.direction, r.amount);
    report.direction = QString::fromStdString(direction.name);
    report.amount = r.amount;
    Q_EMIT latentMoveReady(report);
    Q_EMIT jobState(JobKind::LatentMove, JobState::Finished, 0, 0);
  });
  return ++d_->nextId;
}

void ModelSession::cancel(JobKind kind) {
  if (kind == JobKind::LatentDirections) ++d_->directionsJob.generation;
  if (kind == JobKind::Compression) ++d_->compression.generation;
  if (kind == JobKind::LikelihoodBound) ++d_->bound.generation;
  if (kind == JobKind::Dequant) ++d_->dequant.generation;
  if (kind == JobKind::Reference) ++d_->reference.generation;
}

}  // namespace flowpp::ui
