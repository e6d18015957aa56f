#include "codec/Compressor.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cmath>
#include <exception>
#include <mutex>
#include <thread>

#include "codec/AnsStack.h"
#include "codec/ClassicalCodecs.h"
#include "codec/GaussianCode.h"
#include "codec/ModelCoder.h"
#include "codec/ModelFingerprint.h"
#include "kernels/CpuKernels.h"
#include "util/Runtime.h"

namespace flowpp::codec {

namespace {

using Clock = std::chrono::steady_clock;
constexpr int kImagesPerStream = 200;  // the default stream count gives each at least this many

double secondsSince(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

int threadCount(int requested) { return requested > 0 ? requested : std::max(1, int(std::thread::hardware_concurrency())); }

// Runs job(i) for i in [0, jobs) on up to `threads` threads, each running torch on itself alone,
// while the calling thread reports `done` (images) through `progress` and passes a cancel on to
// the jobs through `stop`. Rethrows the first job's exception. Returns false when cancelled.
bool runJobs(int jobs, int threads, const std::function<void(int, std::atomic<bool>&, std::atomic<int64_t>&)>& job,
             const CodingProgressFn& progress, const std::string& stage, int64_t total) {
  std::atomic<int> next{0};
  std::atomic<bool> stop{false};
  std::atomic<int64_t> done{0};
  int running = 0;
  std::exception_ptr error;
  std::mutex mutex;
  std::condition_variable finished;
  std::vector<std::thread> pool;
  const int n = std::max(1, std::min(jobs, threads));
  running = n;
  for (int t = 0; t < n; ++t)
    pool.emplace_back([&] {
      try {
        useOneTorchThreadHere();
        for (int i = next++; i < jobs && !stop; i = next++) job(i, stop, done);
      } catch (...) {
        std::lock_guard<std::mutex> lock(mutex);
        if (!error) error = std::current_exception();
        stop = true;
      }
      std::lock_guard<std::mutex> lock(mutex);
      --running;
      finished.notify_all();
    });
  bool cancelled = false;
  for (std::unique_lock<std::mutex> lock(mutex); running > 0;) {
    // Wakes when a thread finishes, and ten times a second for the progress report.
    finished.wait_for(lock, std::chrono::milliseconds(100));
    if (running == 0 || !progress || stop) continue;
    lock.unlock();
    if (!progress({stage, done.load(), total})) cancelled = true, stop = true;
    lock.lock();
  }
  for (auto& t : pool) t.join();
  if (error) std::rethrow_exception(error);
  if (progress && !cancelled) progress({stage, done.load(), total});
  return !cancelled;
}

uint32_t pixelsCrc(const torch::Tensor& images) {
  const auto bytes = images.to(torch::kUInt8).contiguous();
  return crc32Of(bytes.data_ptr<uint8_t>(), size_t(bytes.numel()));
}

struct Stream {
  int64_t first = 0, count = 0;
  AnsStack stack;
  std::vector<torch::Tensor> noise;  // per batch, float32
};

std::vector<Stream> splitIntoStreams(int64_t images, int streams) {
  std::vector<Stream> out(static_cast<size_t>(streams));
  for (int s = 0; s < streams; ++s) {
    out[size_t(s)].first = images * s / streams;
    out[size_t(s)].count = images * (s + 1) / streams - out[size_t(s)].first;
  }
  return out;
}

void requireCodingModel(FlowPlusPlus& model) {
  if (model->device().type() != torch::kCPU || model->dtype() != torch::kFloat)
    throw std::invalid_argument(std::string("the lossless coder runs the model in float32 on the CPU (got ") + c10::toString(model->dtype()) + " on " +
                                model->device().str() + ")");
}

// Decodes every stream of `a` into `out` (uint8 [N, C, H, W]); throws ArchiveError naming a stream
// that does not decode to the pixels the encoder stored.
bool decodeStreams(FlowPlusPlus& model, const Archive& a, torch::Tensor& out, int threads, const CodingProgressFn& progress,
                   const std::string& stage, const std::string& source, const std::string& machineNote) {
  const auto& h = a.header;
  std::vector<int64_t> first(a.streams.size(), 0);
  for (size_t i = 1; i < a.streams.size(); ++i) first[i] = first[i - 1] + a.streams[i - 1].images;
  const double levels = std::ldexp(1.0, h.nBits);
  auto decodeOne = [&](int i, std::atomic<bool>& stop, std::atomic<int64_t>& done) {
    const auto& stream = a.streams[size_t(i)];
    auto stack = AnsStack::fromBytes(stream.bytes);
    ModelCoder coder(model, CoderOptions{std::ldexp(1.0, h.log2Sigma)});
    const auto schedule = batchSchedule(stream.images, h.maxBatch);
    int64_t end = first[size_t(i)] + stream.images;
    std::vector<torch::Tensor> batches;
    for (auto it = schedule.rbegin(); it != schedule.rend(); ++it) {
      if (stop) return;
      torch::Tensor x;
      try {
        x = coder.decode(stack, *it);
      } catch (const std::exception& e) {
        throw ArchiveError(source + ": coded stream " + std::to_string(i + 1) + " does not decode (" + e.what() + ")" + machineNote);
      }
      if (x.min().item<int64_t>() < 0 || x.max().item<int64_t>() >= int64_t(levels))
        throw ArchiveError(source + ": coded stream " + std::to_string(i + 1) + " decodes to values outside [0, " +
                           std::to_string(int64_t(levels) - 1) + "]" + machineNote);
      out.narrow(0, end - *it, *it).copy_(x.to(torch::kUInt8));
      end -= *it;
      done += *it;
    }
    if (!stack.backAtStart() || pixelsCrc(out.narrow(0, first[size_t(i)], stream.images)) != stream.pixelsCrc)
      throw ArchiveError(source + ": coded stream " + std::to_string(i + 1) + " of " + std::to_string(a.streams.size()) +
                         " does not decode to the images that were compressed (their checksum differs)" + machineNote);
  };
  return runJobs(int(a.streams.size()), threads, decodeOne, progress, stage, h.count);
}

// The model's bound -log2 p(x + u) + log2 q(u | x), summed, for the noise each batch was coded with.
double modelBoundBits(FlowPlusPlus& model, const torch::Tensor& images, const std::vector<Stream>& streams) {
  torch::NoGradGuard noGrad;
  double bits = 0;
  for (const auto& s : streams) {
    int64_t at = s.first;
    for (const auto& noise : s.noise) {
      const auto x = images.narrow(0, at, noise.size(0)).to(torch::kFloat);
      bits -= model->logLikelihood(x, false, noise).logp.to(torch::kDouble).sum().item<double>() / std::log(2.0);
      at += noise.size(0);
    }
  }
  return bits;
}

ArchivePayload payloadOf(ClassicalCodec c) {
  switch (c) {
    case ClassicalCodec::Png: return ArchivePayload::Png;
    case ClassicalCodec::Webp: return ArchivePayload::Webp;
    case ClassicalCodec::JpegXl: return ArchivePayload::JpegXl;
  }
  return ArchivePayload::Flow;
}

ClassicalCodec classicalOf(ArchivePayload p) {
  return p == ArchivePayload::Png ? ClassicalCodec::Png : p == ArchivePayload::Webp ? ClassicalCodec::Webp : ClassicalCodec::JpegXl;
}

}  // namespace

torch::Tensor decodeClassicalPayload(const Archive& a, const std::string& source) {
  const auto& h = a.header;
  const auto codec = classicalOf(h.payload);
  torch::Tensor image;
  try {
    image = decodeClassical(codec, a.streams[0].bytes, h.channels);
  } catch (const std::exception& e) {
    throw ArchiveError(source + ": its " + classicalName(codec) + " image does not decode (" + e.what() + ")");
  }
  if (image.size(0) != h.channels || pixelsCrc(image) != a.streams[0].pixelsCrc || image.max().item<int64_t>() >= (int64_t(1) << h.nBits))
    throw ArchiveError(source + ": its " + std::string(classicalName(codec)) + " image is not the image that was compressed (its checksum differs)");
  return image.unsqueeze(0);
}

namespace {

// Turns the flow's archive of one image into a one-image file: the flow's stream or the smallest
// classical file of the image, whichever makes the smaller file.
void chooseSingleImagePayload(Archive& a, const torch::Tensor& image, CompressResult& r) {
  a.header.kind = ArchiveKind::SingleImage;
  a.header.payload = ArchivePayload::Flow;
  r.file = serialiseArchive(a);
  r.flowBitsPerDim = 8.0 * double(r.file.size()) / double(r.dims);
  if (image.size(0) != 1 && image.size(0) != 3) return;  // the classical codecs code grey and RGB images
  for (const auto& f : encodeAllClassical(image.to(torch::kUInt8))) {
    if (!f.available) continue;
    r.classical.push_back({f.name, f.settings, int64_t(f.bytes.size())});
    Archive c = a;
    c.header.payload = payloadOf(f.codec);
    c.streams[0].bytes = f.bytes;
    c.streams[0].bytesCrc = 0;
    auto file = serialiseArchive(c);
    if (file.size() < r.file.size()) r.file = std::move(file), r.codedWith = f.name;
  }
}

}  // namespace

std::vector<int64_t> batchSchedule(int64_t count, int maxBatch) {
  std::vector<int64_t> sizes;
  for (int64_t done = 0; done < count;) {
    const int64_t b = std::min<int64_t>({count - done, int64_t(std::max(1, maxBatch)), 1 + done / 12});
    sizes.push_back(b);
    done += b;
  }
  return sizes;
}

std::string cpuInstructionSets() {
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw")) {
    return __builtin_cpu_supports("avx512bf16") ? "avx512_bf16" : "avx512";
  }
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return "avx2";
  return "default";
}

CompressResult compressImages(FlowPlusPlus model, const torch::Tensor& imagesIn, const CompressOptions& o) {
  requireCodingModel(model);
  const auto& config = model->config();
  const auto images = imagesIn.to(torch::kLong).contiguous();
  TORCH_CHECK(images.dim() == 4 && images.size(1) == config.channels && images.size(2) == config.height && images.size(3) == config.width,
              "images of shape ", images.sizes(), " for a model of ", config.channels, "x", config.height, "x", config.width, " images");
  TORCH_CHECK(images.size(0) >= 1, "no images to compress");
  TORCH_CHECK(images.size(0) <= 0xffffffffLL, "at most 2^32 - 1 images in one file");
  TORCH_CHECK(images.min().item<int64_t>() >= 0 && images.max().item<int64_t>() < (int64_t(1) << config.nBits),
              "pixel values must lie in [0, ", (int64_t(1) << config.nBits) - 1, "] for this ", config.nBits, "-bit model");
  TORCH_CHECK(o.names.empty() || int64_t(o.names.size()) == images.size(0), "one name per image");
  TORCH_CHECK(o.maxBatch >= 1 && o.maxBatch <= 65535, "the largest batch must lie in [1, 65535]");
  const int64_t n = images.size(0);
  const int threads = threadCount(o.threads);
  const int streams = int(std::clamp<int64_t>(o.streams > 0 ? o.streams : std::min<int64_t>(threads, n / kImagesPerStream), 1, std::min<int64_t>(n, 65535)));

  CompressResult r;
  r.images = n, r.dims = config.channels * config.height * config.width, r.streams = streams;
  auto parts = splitIntoStreams(n, streams);
  const double sigma = 1.0 / 16384;
  auto encodeOne = [&](int i, std::atomic<bool>& stop, std::atomic<int64_t>& done) {
    auto& s = parts[size_t(i)];
    ModelCoder coder(model, CoderOptions{sigma});
    int64_t at = s.first;
    for (const auto b : batchSchedule(s.count, o.maxBatch)) {
      if (stop) return;
      s.noise.push_back(coder.encode(s.stack, images.narrow(0, at, b)).noise.to(torch::kFloat));
      at += b, done += b;
    }
  };
  auto start = Clock::now();
  CompressResult cancelled;
  cancelled.cancelled = true;
  if (!runJobs(streams, threads, encodeOne, o.progress, "encoding", n)) return cancelled;
  r.encodeSeconds = secondsSince(start);

  Archive a;
  auto& h = a.header;
  h.kind = ArchiveKind::Archive;
  h.modelFingerprint = modelFingerprint(model);
  h.nBits = config.nBits;
  h.channels = config.channels, h.height = config.height, h.width = config.width, h.count = n;
  h.log2Sigma = int(std::lround(std::log2(sigma))), h.precisionBits = AnsStack::kPrecision, h.gridBits = kGridBits;
  h.maxBatch = o.maxBatch;
  h.kernels = kernels::cpuKernels().isa;
  h.cpu = cpuInstructionSets();
  double initialBits = 0;
  for (const auto& s : parts) {
    ArchiveStream as;
    as.images = s.count;
    as.bytes = s.stack.toBytes();
    as.pixelsCrc = pixelsCrc(images.narrow(0, s.first, s.count));
    initialBits += 32.0 * double(s.stack.initialWords());
    a.streams.push_back(std::move(as));
  }
  a.names = o.names;
  r.file = serialiseArchive(a);
  r.flowBitsPerDim = 8.0 * double(r.file.size()) / double(n * r.dims);
  if (n == 1 && o.singleImageFile) chooseSingleImagePayload(a, images[0], r);
  r.bitsPerDim = 8.0 * double(r.file.size()) / double(n * r.dims);
  r.initialBitsPerDim = initialBits / double(n * r.dims);

  if (o.verify) {
    start = Clock::now();
    auto decoded = torch::empty({n, config.channels, config.height, config.width}, torch::kUInt8);
    const auto parsed = parseArchive(r.file, "the file just written");
    if (parsed.header.payload != ArchivePayload::Flow)
      decoded = decodeClassicalPayload(parsed, "the file just written");
    else if (!decodeStreams(model, parsed, decoded, threads, o.progress, "checking", "the file just written", ""))
      return cancelled;
    if (!torch::equal(decoded, images.to(torch::kUInt8))) throw std::runtime_error("the compressed file does not decode to the images (a coder bug): nothing was written");
    r.verifySeconds = secondsSince(start);
    r.verified = true;
  }
  r.boundBitsPerDim = NAN;
  if (o.modelBound) {
    start = Clock::now();
    r.boundBitsPerDim = modelBoundBits(model, images, parts) / double(n * r.dims);
    r.boundSeconds = secondsSince(start);
  }
  return r;
}

DecompressResult decompressArchive(FlowPlusPlus model, const std::string& file, const std::string& source, const DecompressOptions& o) {
  requireCodingModel(model);
  DecompressResult r;
  auto a = parseArchive(file, source);
  const auto& h = a.header;
  if (h.payload != ArchivePayload::Flow) {
    // A classical codec's file: the model is not needed.
    const auto start = Clock::now();
    r.images = decodeClassicalPayload(a, source);
    r.seconds = secondsSince(start);
    r.names = std::move(a.names);
    r.header = h;
    r.header.channels = r.images.size(1), r.header.height = r.images.size(2), r.header.width = r.images.size(3);
    r.note = std::string("the file holds a ") + classicalName(classicalOf(h.payload)) +
             " image (smaller than the flow's code of one image alone); the model was not needed";
    return r;
  }
  const auto& config = model->config();
  const uint64_t fingerprint = modelFingerprint(model);
  if (h.modelFingerprint != fingerprint)
    throw ArchiveError(source + ": compressed with model " + fingerprintText(h.modelFingerprint) + ", but the model given is " +
                       fingerprintText(fingerprint) + " (" + config.name + "); decompress with the model that compressed it");
  if (h.channels != config.channels || h.height != config.height || h.width != config.width || h.nBits != config.nBits)
    throw ArchiveError(source + ": its images are " + std::to_string(h.channels) + "x" + std::to_string(h.height) + "x" +
                       std::to_string(h.width) + " at " + std::to_string(h.nBits) + " bits, the model's are not");
  if (h.precisionBits != AnsStack::kPrecision || h.gridBits != kGridBits || h.log2Sigma < -30 || h.log2Sigma > -1 || h.maxBatch < 1)
    throw ArchiveError(source + ": coder settings this Flow++ Studio does not use (" + std::to_string(h.precisionBits) + "-bit probabilities, a 2^-" +
                       std::to_string(h.gridBits) + " grid, sigma 2^" + std::to_string(h.log2Sigma) + ", batches up to " + std::to_string(h.maxBatch) + ")");

  // The same kernel table as the encoder where this CPU runs it; otherwise decode and let the
  // checksums decide.
  const auto* before = &kernels::cpuKernels();
  const kernels::CpuKernels* wanted = nullptr;
  for (const auto* t : kernels::supportedKernelTables())
    if (h.kernels == t->isa) wanted = t;
  std::string machineNote;
  if (!wanted || (wanted != before && !o.switchKernels)) {
    r.note = "written with the " + h.kernels + " kernels on a CPU with " + h.cpu + "; decoding with the " + before->isa + " kernels";
    machineNote = "; it was written with the " + h.kernels + " kernels on a CPU with " + h.cpu + ", and this machine decoded it with the " +
                  before->isa + " kernels on a CPU with " + cpuInstructionSets() + ": decode it on a machine like the one that wrote it";
  } else if (h.cpu != cpuInstructionSets()) {
    r.note = "written on a CPU with " + h.cpu + ", decoded on one with " + cpuInstructionSets();
    machineNote = "; it was written on a CPU with " + h.cpu + " and this one has " + cpuInstructionSets() +
                  ", whose kernels round differently: decode it on a machine like the one that wrote it";
  }
  struct KernelScope {
    const kernels::CpuKernels* restore = nullptr;
    ~KernelScope() {
      if (restore) kernels::useKernels(*restore);
    }
  } scope;
  if (wanted && wanted != before && o.switchKernels) {
    kernels::useKernels(*wanted);
    scope.restore = before;
  }

  auto start = Clock::now();
  r.images = torch::empty({h.count, h.channels, h.height, h.width}, torch::kUInt8);
  if (!decodeStreams(model, a, r.images, threadCount(o.threads), o.progress, "decoding", source, machineNote)) {
    r.cancelled = true;
    r.images = torch::Tensor();
    return r;
  }
  r.seconds = secondsSince(start);
  r.names = std::move(a.names);
  r.header = h;
  return r;
}

}  // namespace flowpp::codec
