#pragma once
// Plain types that cross between the studio's panels and its model session (no torch here: panels
// compile against Qt and these headers only). Results are the core's own report structs
// (core/explore/Reports.h), registered as Qt metatypes so queued signals can carry them.
#include <QImage>
#include <QMetaType>
#include <QString>

#include "explore/Reports.h"

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

struct InterpolationRequest {
  QImage a, b;
  int steps = 9;
  bool spherical = false;
};

struct LikelihoodRequest {
  QImage image;
  int importanceSamples = 16;
  int mapSamples = 8;  // dequantization draws averaged into the map
};

struct DequantRequest {
  QImage image;
  int draws = 64;
  int shownSamples = 6;
};

// The layers view: an image's forward pass, or (sample = true) a sample's inverse pass.
struct LayersRequest {
  QImage image;
  bool sample = false;
  double temperature = 0.8;
  quint64 seed = 0;
};

// What one image costs as bytes (the Compression tab): codec/ImageCodeLengths, without torch.
struct CodeLengthRequest {
  QImage image;
};

struct CodeLengthReport {
  QImage image;  // the request's image
  qint64 dims = 0;
  // The bits-back ledger of coding the image inside an archive, in bits (codec::CodingLedger).
  double noiseBits = 0, dequantizerBits = 0, flowBits = 0, priorBits = 0, netBits = 0;
  double boundBits = 0;        // the model's bound for the same noise
  // Bits per pixel (channels summed), row-major [height, width]: the coder's stack growth charged to
  // each pixel, and the model's heatmap terms for the same noise.
  int width = 0, height = 0;
  std::vector<double> codedBits, modelBits;
  double singleFlowBits = 0;   // the flow's one-image file (initial bits included)
  QByteArray singleFile;       // the one-image .fppz (the smaller of flow and classical)
  QString singleCodedWith;
  QStringList classicalNames, classicalSettings;
  QVector<qint64> classicalBytes;
};

// The open data set compressed into a .fppz file (a long job).
struct CompressionReport {
  QString path;
  qint64 images = 0, bytes = 0;
  double bitsPerDim = 0, boundBitsPerDim = 0, seconds = 0;
  bool verified = false, cancelled = false;
};

// Latent directions of the open data set (explore/LatentDirections), computed in the background.
struct LatentDirectionsInfo {
  QStringList names;    // index = LatentMoveRequest::direction
  QStringList classes;  // empty for unlabelled data
  qint64 images = 0;
  bool cancelled = false;
};

// An image moved along a direction: `direction` indexes LatentDirectionsInfo::names, or, with
// fromClass and toClass >= 0, the class-to-class direction between them.
struct LatentMoveRequest {
  QImage image;
  int direction = 0;
  int fromClass = -1, toClass = -1;
  double amount = 0;
};

struct LatentMoveReport {
  flowpp::Pixels8 image;
  QString direction;
  double amount = 0;
};

// The kinds of work the session does; long kinds run on the background worker.
enum class JobKind { Samples, Interpolation, Likelihood, LikelihoodBound, Dequant, Reference, Dataset, Layers, Model, CodeLengths, Compression,
                     LatentDirections, LatentMove };
enum class JobState { Waiting, Running, Finished, Cancelled, Failed };

// The importance-weighted bound of a likelihood request whose K was too large to compute at once.
struct BoundReport {
  quint64 requestId = 0;
  double bpdElbo = 0, bpdIw = 0;
  int importanceSamples = 0;
  bool cancelled = false;
};

// Bits/dim of the first images of the open data set (the Likelihood tab's reference histogram).
struct ReferenceReport {
  std::vector<double> bitsPerDim;
  bool cancelled = false;
};

}  // namespace flowpp::ui

Q_DECLARE_METATYPE(flowpp::ui::ModelInfo)
Q_DECLARE_METATYPE(flowpp::ui::JobKind)
Q_DECLARE_METATYPE(flowpp::ui::JobState)
Q_DECLARE_METATYPE(flowpp::ui::BoundReport)
Q_DECLARE_METATYPE(flowpp::ui::ReferenceReport)
Q_DECLARE_METATYPE(flowpp::ui::CodeLengthReport)
Q_DECLARE_METATYPE(flowpp::ui::CompressionReport)
Q_DECLARE_METATYPE(flowpp::ui::LatentDirectionsInfo)
Q_DECLARE_METATYPE(flowpp::ui::LatentMoveReport)
Q_DECLARE_METATYPE(flowpp::SampleReport)
Q_DECLARE_METATYPE(flowpp::InterpolationReport)
Q_DECLARE_METATYPE(flowpp::LikelihoodReport)
Q_DECLARE_METATYPE(flowpp::DequantReport)
Q_DECLARE_METATYPE(flowpp::LayersReport)
