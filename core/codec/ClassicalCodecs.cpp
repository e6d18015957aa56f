#include "codec/ClassicalCodecs.h"

#include <stdexcept>

#ifdef FLOWPP_HAVE_OPENCV
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#endif
#ifdef FLOWPP_HAVE_WEBP
#include <webp/decode.h>
#include <webp/encode.h>
#endif
#ifdef FLOWPP_HAVE_JXL
#include <jxl/decode.h>
#include <jxl/encode.h>
#endif

namespace flowpp::codec {

namespace {

// Interleaved pixels (H x W x C) of an image [C, H, W].
std::vector<uint8_t> interleaved(const torch::Tensor& image) {
  TORCH_CHECK(image.dim() == 3 && (image.size(0) == 1 || image.size(0) == 3), "expected an image [1 or 3, H, W], got ", image.sizes());
  auto hwc = image.to(torch::kUInt8).permute({1, 2, 0}).contiguous();
  return {hwc.data_ptr<uint8_t>(), hwc.data_ptr<uint8_t>() + hwc.numel()};
}

torch::Tensor fromInterleaved(const uint8_t* data, int64_t channels, int64_t height, int64_t width) {
  return torch::from_blob(const_cast<uint8_t*>(data), {height, width, channels}, torch::kUInt8).permute({2, 0, 1}).contiguous().clone();
}

std::string versionText(uint32_t v, int shift) {
  const uint32_t mask = (1u << shift) - 1;
  return std::to_string(v >> (2 * shift)) + "." + std::to_string((v >> shift) & mask) + "." + std::to_string(v & mask);
}

#ifdef FLOWPP_HAVE_OPENCV
std::string encodePng(const torch::Tensor& image) {
  auto px = interleaved(image);
  const int c = int(image.size(0));
  cv::Mat m(int(image.size(1)), int(image.size(2)), c == 1 ? CV_8UC1 : CV_8UC3, px.data()), bgr;
  if (c == 3) cv::cvtColor(m, bgr, cv::COLOR_RGB2BGR);
  std::vector<uchar> out;
  cv::imencode(".png", c == 3 ? bgr : m, out, {cv::IMWRITE_PNG_COMPRESSION, 9});
  return std::string(out.begin(), out.end());
}

torch::Tensor decodePng(const std::string& bytes) {
  cv::Mat m = cv::imdecode(cv::Mat(1, int(bytes.size()), CV_8UC1, const_cast<char*>(bytes.data())), cv::IMREAD_UNCHANGED);
  if (m.empty() || m.depth() != CV_8U || (m.channels() != 1 && m.channels() != 3)) throw std::runtime_error("not an 8-bit grey or RGB PNG");
  if (m.channels() == 3) cv::cvtColor(m, m, cv::COLOR_BGR2RGB);
  return fromInterleaved(m.data, m.channels(), m.rows, m.cols);
}
#endif

#ifdef FLOWPP_HAVE_WEBP
// WebP stores RGB; a grey image goes in as R = G = B (lossless keeps them equal).
std::string encodeWebp(const torch::Tensor& image) {
  auto rgb = interleaved(image.size(0) == 1 ? image.expand({3, image.size(1), image.size(2)}) : image);
  WebPConfig config;
  WebPPicture picture;
  if (!WebPConfigInit(&config) || !WebPConfigLosslessPreset(&config, 9) || !WebPPictureInit(&picture))
    throw std::runtime_error("libwebp could not be set up");
  config.exact = 1;
  picture.use_argb = 1;
  picture.width = int(image.size(2)), picture.height = int(image.size(1));
  WebPMemoryWriter writer;
  WebPMemoryWriterInit(&writer);
  picture.writer = WebPMemoryWrite;
  picture.custom_ptr = &writer;
  const bool ok = WebPPictureImportRGB(&picture, rgb.data(), 3 * picture.width) && WebPEncode(&config, &picture);
  std::string out(reinterpret_cast<const char*>(writer.mem), writer.size);
  WebPPictureFree(&picture);
  WebPMemoryWriterClear(&writer);
  if (!ok) throw std::runtime_error("libwebp could not encode the image");
  return out;
}

torch::Tensor decodeWebp(const std::string& bytes, int64_t channels) {
  int width = 0, height = 0;
  uint8_t* rgb = WebPDecodeRGB(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(), &width, &height);
  if (!rgb) throw std::runtime_error("not a WebP image this build reads");
  auto image = fromInterleaved(rgb, 3, height, width);
  WebPFree(rgb);
  if (channels == 1) {
    if (!image[0].equal(image[1]) || !image[0].equal(image[2])) throw std::runtime_error("a colour WebP image where a grey one was stored");
    image = image.narrow(0, 0, 1).contiguous();
  }
  return image;
}
#endif

#ifdef FLOWPP_HAVE_JXL
std::string encodeJxl(const torch::Tensor& image) {
  auto px = interleaved(image);
  const uint32_t c = uint32_t(image.size(0));
  JxlEncoder* enc = JxlEncoderCreate(nullptr);
  std::string out;
  auto fail = [&](const char* what) {
    JxlEncoderDestroy(enc);
    throw std::runtime_error(std::string("libjxl: ") + what);
  };
  JxlBasicInfo info;
  JxlEncoderInitBasicInfo(&info);
  info.xsize = uint32_t(image.size(2)), info.ysize = uint32_t(image.size(1));
  info.bits_per_sample = 8, info.num_color_channels = c, info.uses_original_profile = JXL_TRUE;
  if (JxlEncoderSetBasicInfo(enc, &info) != JXL_ENC_SUCCESS) fail("basic info refused");
  JxlColorEncoding colour;
  JxlColorEncodingSetToSRGB(&colour, c == 1 ? JXL_TRUE : JXL_FALSE);
  if (JxlEncoderSetColorEncoding(enc, &colour) != JXL_ENC_SUCCESS) fail("colour encoding refused");
  JxlEncoderFrameSettings* settings = JxlEncoderFrameSettingsCreate(enc, nullptr);
  if (JxlEncoderSetFrameLossless(settings, JXL_TRUE) != JXL_ENC_SUCCESS ||
      JxlEncoderFrameSettingsSetOption(settings, JXL_ENC_FRAME_SETTING_EFFORT, 9) != JXL_ENC_SUCCESS)
    fail("lossless settings refused");
  const JxlPixelFormat format{c, JXL_TYPE_UINT8, JXL_NATIVE_ENDIAN, 0};
  if (JxlEncoderAddImageFrame(settings, &format, px.data(), px.size()) != JXL_ENC_SUCCESS) fail("the image was refused");
  JxlEncoderCloseInput(enc);
  out.resize(4096);
  size_t used = 0;
  for (;;) {
    auto* next = reinterpret_cast<uint8_t*>(out.data() + used);
    size_t avail = out.size() - used;
    const auto status = JxlEncoderProcessOutput(enc, &next, &avail);
    used = out.size() - avail;
    if (status == JXL_ENC_SUCCESS) break;
    if (status != JXL_ENC_NEED_MORE_OUTPUT) fail("encoding failed");
    out.resize(out.size() * 2);
  }
  out.resize(used);
  JxlEncoderDestroy(enc);
  return out;
}

torch::Tensor decodeJxl(const std::string& bytes) {
  JxlDecoder* dec = JxlDecoderCreate(nullptr);
  auto fail = [&](const char* what) {
    JxlDecoderDestroy(dec);
    throw std::runtime_error(std::string("not a JPEG XL image this build reads (") + what + ")");
  };
  if (JxlDecoderSubscribeEvents(dec, JXL_DEC_BASIC_INFO | JXL_DEC_FULL_IMAGE) != JXL_DEC_SUCCESS) fail("decoder setup");
  JxlDecoderSetInput(dec, reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
  JxlDecoderCloseInput(dec);
  JxlBasicInfo info{};
  std::vector<uint8_t> pixels;
  JxlPixelFormat format{1, JXL_TYPE_UINT8, JXL_NATIVE_ENDIAN, 0};
  for (;;) {
    const auto status = JxlDecoderProcessInput(dec);
    if (status == JXL_DEC_BASIC_INFO) {
      if (JxlDecoderGetBasicInfo(dec, &info) != JXL_DEC_SUCCESS) fail("basic info");
      if (info.num_color_channels != 1 && info.num_color_channels != 3) fail("channels");
      if (uint64_t(info.xsize) * info.ysize > (uint64_t(1) << 28)) fail("size");
      format.num_channels = info.num_color_channels;
    } else if (status == JXL_DEC_NEED_IMAGE_OUT_BUFFER) {
      size_t size = 0;
      if (JxlDecoderImageOutBufferSize(dec, &format, &size) != JXL_DEC_SUCCESS) fail("buffer size");
      pixels.resize(size);
      if (JxlDecoderSetImageOutBuffer(dec, &format, pixels.data(), pixels.size()) != JXL_DEC_SUCCESS) fail("buffer");
    } else if (status == JXL_DEC_FULL_IMAGE || status == JXL_DEC_SUCCESS) {
      if (!pixels.empty()) break;
      if (status == JXL_DEC_SUCCESS) fail("no image");
    } else {
      fail("damaged data");
    }
  }
  JxlDecoderDestroy(dec);
  return fromInterleaved(pixels.data(), format.num_channels, info.ysize, info.xsize);
}
#endif

}  // namespace

const char* classicalName(ClassicalCodec codec) {
  switch (codec) {
    case ClassicalCodec::Png: return "PNG";
    case ClassicalCodec::Webp: return "WebP lossless";
    case ClassicalCodec::JpegXl: return "JPEG XL lossless";
  }
  return "?";
}

ClassicalFile encodeClassical(ClassicalCodec codec, const torch::Tensor& image) {
  ClassicalFile f;
  f.codec = codec;
  f.name = classicalName(codec);
  switch (codec) {
    case ClassicalCodec::Png:
#ifdef FLOWPP_HAVE_OPENCV
      f.settings = "libpng via OpenCV " CV_VERSION ", zlib level 9", f.available = true, f.bytes = encodePng(image);
#endif
      break;
    case ClassicalCodec::Webp:
#ifdef FLOWPP_HAVE_WEBP
      f.settings = "libwebp " + versionText(uint32_t(WebPGetEncoderVersion()), 8) + ", lossless preset 9 (cwebp -lossless -z 9)";
      f.available = true, f.bytes = encodeWebp(image);
#endif
      break;
    case ClassicalCodec::JpegXl:
#ifdef FLOWPP_HAVE_JXL
      f.settings = "libjxl " + std::to_string(JxlEncoderVersion() / 1000000) + "." + std::to_string(JxlEncoderVersion() / 1000 % 1000) + "." +
                   std::to_string(JxlEncoderVersion() % 1000) + ", lossless, effort 9 (cjxl -d 0 -e 9)";
      f.available = true, f.bytes = encodeJxl(image);
#endif
      break;
  }
  if (!f.available) f.settings = "not in this build";
  return f;
}

std::vector<ClassicalFile> encodeAllClassical(const torch::Tensor& image) {
  return {encodeClassical(ClassicalCodec::Png, image), encodeClassical(ClassicalCodec::Webp, image),
          encodeClassical(ClassicalCodec::JpegXl, image)};
}

torch::Tensor decodeClassical(ClassicalCodec codec, const std::string& bytes, int64_t channels) {
  switch (codec) {
#ifdef FLOWPP_HAVE_OPENCV
    case ClassicalCodec::Png: return decodePng(bytes);
#endif
#ifdef FLOWPP_HAVE_WEBP
    case ClassicalCodec::Webp: return decodeWebp(bytes, channels);
#endif
#ifdef FLOWPP_HAVE_JXL
    case ClassicalCodec::JpegXl: return decodeJxl(bytes);
#endif
    default: break;
  }
  throw std::runtime_error(std::string(classicalName(codec)) + " files cannot be read by this build");
}

}  // namespace flowpp::codec
