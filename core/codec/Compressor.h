#pragma once
// Lossless compression of a set of images with a Flow++ model into a .fppz file, and back.
//
// The images are split into streams (contiguous runs, one AnsStack each) that are coded side by
// side, one thread per stream; within a stream, images go in batches whose sizes follow a fixed
// schedule (batchSchedule), small at first so that the first batch borrows few initial bits, then
// growing as the stack fills. What decides every float the decoder must reproduce:
//  - the batches (the schedule is a function of the stream's image count alone);
//  - one thread per stream (torch's operations never see a thread partition);
//  - the kernel table and the CPU's instruction sets (ATen's and oneDNN's kernels): recorded in the
//    header; the decoder uses the table the file names where this CPU has it, and checks every
//    stream's decoded pixels against the CRC the encoder stored, refusing the file when they differ;
//  - the elementwise maps in scalar float64 without contraction (codec/ElementMaps).
// So a file decodes on the machine that wrote it with any thread count.
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <torch/torch.h>

#include "codec/ArchiveFile.h"
#include "codec/ClassicalCodecs.h"
#include "model/FlowPlusPlus.h"

namespace flowpp::codec {

struct CodingProgress {
  std::string stage;  // "encoding", "checking", "decoding", "bound"
  int64_t done = 0, total = 0;  // images
};
// Called from the calling thread about ten times a second; return false to cancel.
using CodingProgressFn = std::function<bool(const CodingProgress&)>;

struct CompressOptions {
  int streams = 0;             // 0: one per thread, at most one per 200 images
  int threads = 0;             // 0: all cores
  int maxBatch = 64;           // the schedule's largest batch
  bool verify = true;          // decode what was written and compare it before returning
  bool modelBound = true;      // also compute the model's bound with the same noise (one forward pass)
  // One image: write a one-image file holding the smaller of the flow's stream and the best classical
  // file (a lone image pays the flow's initial bits in full, about 34 bits per sub-pixel, so the
  // classical codec wins for small images; see README "Compression").
  bool singleImageFile = true;
  std::vector<std::string> names;  // stored in the file (one per image) when given
  CodingProgressFn progress;
};

struct CompressResult {
  std::string file;            // the .fppz bytes; empty when cancelled
  bool cancelled = false;
  int64_t images = 0, dims = 0;  // dims: sub-pixels per image
  int streams = 0;
  double bitsPerDim = 0;       // 8 * file bytes / (images * dims): everything counted
  // The model's -log2 p(x + u) + log2 q(u | x) for the noise the coder drew, bits/dim (NaN when
  // not computed): what the file's size approaches.
  double boundBitsPerDim = 0;
  double initialBitsPerDim = 0;  // the streams' borrowed initial bits, spread over all sub-pixels
  double encodeSeconds = 0, verifySeconds = 0, boundSeconds = 0;
  bool verified = false;
  // One-image files: what the file holds ("flow" or a classical codec's name), the flow's own file
  // size in bits/dim and the classical codecs' files of the image.
  std::string codedWith = "flow";
  double flowBitsPerDim = 0;
  std::vector<ClassicalSize> classical;
};

// images: integers in [0, 2^n_bits) [N, C, H, W] at the model's shape.
CompressResult compressImages(FlowPlusPlus model, const torch::Tensor& images, const CompressOptions& options = {});

struct DecompressOptions {
  int threads = 0;
  // Use the kernel table the file was written with for the decode (process-wide: the CLI allows it,
  // a program with other torch work running does not).
  bool switchKernels = true;
  CodingProgressFn progress;
};

struct DecompressResult {
  torch::Tensor images;  // uint8 [N, C, H, W]
  std::vector<std::string> names;
  ArchiveHeader header;
  bool cancelled = false;
  double seconds = 0;
  std::string note;      // what the decoder did about a different machine, "" when nothing
};

// Throws ArchiveError for a damaged file, a file of another model (naming both), or a decode that
// does not reproduce the encoder's pixels.
DecompressResult decompressArchive(FlowPlusPlus model, const std::string& file, const std::string& source,
                                   const DecompressOptions& options = {});

// The image of a one-image file that holds a classical codec's file (uint8 [1, C, H, W]), checked
// against the stored pixel checksum; throws ArchiveError.
torch::Tensor decodeClassicalPayload(const Archive& archive, const std::string& source);

// The batch sizes a stream of `count` images is coded in: 1, 1, ..., growing by one for every 12
// images already coded (the stack then holds about the bits a batch borrows), up to maxBatch.
std::vector<int64_t> batchSchedule(int64_t count, int maxBatch);

// The CPU's instruction sets that decide float results ("avx512_bf16", "avx512", "avx2", "default").
std::string cpuInstructionSets();

}  // namespace flowpp::codec
