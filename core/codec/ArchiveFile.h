#pragma once
// The .fppz file: images compressed with a Flow++ model (codec/Compressor). Everything the decoder
// needs besides the model is in it, and every part is checked before a pixel is written.
//
// Layout (little-endian):
//   "FPPZ", u8 version (1), u8 kind (0: archive, 1: one image)
//   kind 1 only: u8 payload (0: the flow's coded stream, 1: PNG, 2: WebP lossless, 3: JPEG XL
//     lossless; a one-image file holds whichever was smaller, codec/Compressor.h says why). With a
//     classical payload the rest is short, since the codec's file carries the shape itself:
//       u8 bits per sub-pixel, u8 channels (1 or 3), u8 length + the image's name, u32 CRC-32 of its pixels,
//       the codec's file, u32 CRC-32 of everything before it
//     With the flow's payload the rest is as for an archive:
//   u64 model fingerprint (codec/ModelFingerprint: weights and config)
//   u8 bits per sub-pixel, u16 channels, u16 height, u16 width, u32 image count
//   i8 log2 of the local noise sigma, u8 ANS probability bits, u8 grid bits, u16 largest batch
//   u8 length + text: the kernel table the encoder used (kernels/CpuKernels.h: "avx512", ...)
//   u8 length + text: the encoder's CPU instruction sets ("avx512_bf16", ...)
//   u16 stream count; per stream: u32 images, u32 bytes, u32 CRC-32 of its bytes, u32 CRC-32 of its
//     decoded pixels
//   u32 length + names: the images' file names, '\n'-joined and deflated (length 0: none)
//   the streams' bytes, in order
//   u32 CRC-32 of everything before it
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace flowpp::codec {

// A file that is not a valid .fppz, or is damaged: the message names the file and what is wrong.
struct ArchiveError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

enum class ArchiveKind : uint8_t { Archive = 0, SingleImage = 1 };
// What the one stream of a single-image file holds: the flow's bits-back stream, or a classical file.
enum class ArchivePayload : uint8_t { Flow = 0, Png = 1, Webp = 2, JpegXl = 3 };

struct ArchiveStream {
  int64_t images = 0;
  std::string bytes;        // the AnsStack's bytes
  uint32_t bytesCrc = 0;    // CRC-32 of `bytes` (filled in by serialiseArchive when 0)
  uint32_t pixelsCrc = 0;   // CRC-32 of the stream's images as uint8, in order
};

struct ArchiveHeader {
  ArchiveKind kind = ArchiveKind::Archive;
  ArchivePayload payload = ArchivePayload::Flow;
  uint64_t modelFingerprint = 0;
  int nBits = 8;
  int64_t channels = 0, height = 0, width = 0, count = 0;
  int log2Sigma = -14, precisionBits = 24, gridBits = 32, maxBatch = 0;
  std::string kernels, cpu;
};

struct Archive {
  ArchiveHeader header;
  std::vector<ArchiveStream> streams;
  std::vector<std::string> names;  // empty, or one per image
};

constexpr int kArchiveVersion = 1;

std::string serialiseArchive(const Archive& archive);
// `source` names the file in messages. Checks the magic, version, sizes, every CRC and that the
// streams' image counts add up; throws ArchiveError otherwise.
Archive parseArchive(const std::string& bytes, const std::string& source);

uint32_t crc32Of(const void* data, size_t n);

}  // namespace flowpp::codec
