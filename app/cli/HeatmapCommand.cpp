// flowpp heatmap IMAGE: bits per sub-pixel as a PNG with a colour bar, and as CSV.
#include <cmath>
#include <sstream>

#include "Common.h"
#include "data/ImageIo.h"
#include "explore/PixelLikelihood.h"
#include "util/AtomicFile.h"

#ifdef FLOWPP_HAVE_OPENCV
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#endif

namespace flowpp::cli {

namespace {
#ifdef FLOWPP_HAVE_OPENCV
// Pixels8 (RGB) -> an OpenCV BGR image.
cv::Mat toBgr(const Pixels8& p) {
  cv::Mat rgb(p.height, p.width, CV_8UC3, const_cast<uint8_t*>(p.data.data())), bgr;
  cv::cvtColor(rgb, bgr, cv::COLOR_RGB2BGR);
  return bgr;
}

// An image as it is, grey or colour.
cv::Mat imageBgr(const Pixels8& p) {
  if (p.channels == 3) return toBgr(p);
  cv::Mat grey(p.height, p.width, CV_8UC1, const_cast<uint8_t*>(p.data.data())), bgr;
  cv::cvtColor(grey, bgr, cv::COLOR_GRAY2BGR);
  return bgr;
}

// The image as it is (grey or colour, left), its bits maps (one map of the pixels' bits summed over
// channels, or one per channel) in the product's colour map on one scale, and a labelled colour bar.
void writeHeatmapPng(const std::string& path, const torch::Tensor& image8, const std::vector<torch::Tensor>& maps,
                     const std::vector<std::string>& titles, double lo, double hi) {
  const int h = static_cast<int>(image8.size(1)), w = static_cast<int>(image8.size(2)), scale = std::max(1, 256 / h);
  const int barW = 24, margin = 8, textW = 110, top = 18, panels = 1 + int(maps.size());
  cv::Mat canvas(h * scale + 2 * margin + 20 + top, panels * (w * scale + margin) + 2 * margin + barW + textW, CV_8UC3,
                 cv::Scalar(255, 255, 255));
  auto place = [&](const cv::Mat& picture, int panel, const std::string& title) {
    cv::Mat big;
    cv::resize(picture, big, cv::Size(w * scale, h * scale), 0, 0, cv::INTER_NEAREST);
    const int x = margin + panel * (w * scale + margin);
    big.copyTo(canvas(cv::Rect(x, margin + top, w * scale, h * scale)));
    cv::putText(canvas, title, {x, margin + 12}, cv::FONT_HERSHEY_SIMPLEX, 0.4, cv::Scalar(0, 0, 0), 1, cv::LINE_AA);
  };
  place(imageBgr(toPixels(image8.to(torch::kUInt8))), 0, "image");
  for (size_t i = 0; i < maps.size(); ++i) {
    auto values = maps[i].to(torch::kDouble).contiguous();
    place(toBgr(colourMap({values.data_ptr<double>(), values.data_ptr<double>() + values.numel()}, w, h, lo, hi)), int(i) + 1,
          titles[i]);
  }
  const int bx = 2 * margin + panels * (w * scale + margin) - margin;
  std::vector<double> ramp;
  for (int y = 0; y < h * scale; ++y) ramp.push_back(1.0 - double(y) / std::max(1, h * scale - 1));
  cv::Mat bar;
  cv::resize(toBgr(colourMap(ramp, 1, h * scale, 0.0, 1.0)), bar, cv::Size(barW, h * scale), 0, 0, cv::INTER_NEAREST);
  bar.copyTo(canvas(cv::Rect(bx, margin + top, barW, h * scale)));
  auto label = [&](double value, int y) {
    std::ostringstream s;
    s.precision(3);
    s << value;
    cv::putText(canvas, s.str(), {bx + barW + 4, y}, cv::FONT_HERSHEY_SIMPLEX, 0.4, cv::Scalar(0, 0, 0), 1, cv::LINE_AA);
  };
  label(hi, margin + top + 10);
  label(lo, margin + top + h * scale);
  cv::putText(canvas, maps.size() > 1 ? "bits per sub-pixel" : "bits per pixel", {bx - 30, margin + top + h * scale + 16},
              cv::FONT_HERSHEY_SIMPLEX, 0.4, cv::Scalar(0, 0, 0), 1, cv::LINE_AA);
  std::vector<uchar> buf;
  cv::imencode(".png", canvas, buf);
  writeFileAtomically(path, std::string(buf.begin(), buf.end()));
}
#endif
}  // namespace

void addHeatmap(CLI::App& app) {
  auto* cmd = app.add_subcommand("heatmap", "Per-pixel bits of an image (which pixels the model finds surprising)");
  struct Args {
    std::string model, image, data, out, csv, device = "auto";
    int64_t index = -1;
    int samples = 8;
    uint64_t seed = 0;
    bool resize = false, perChannel = false;
  };
  auto a = std::make_shared<Args>();
  cmd->add_option("--model", a->model, "Checkpoint or run folder")->required();
  cmd->add_option("IMAGE", a->image, "Image file (converted to the model's size and channels)");
  cmd->add_option("--data", a->data, "Data set to take the image from (with --index)");
  cmd->add_option("--index", a->index, "Index of the image in --data")->check(integerIn(0, 1000000000000LL));
  cmd->add_option("--samples", a->samples, "Dequantization draws averaged into the map")->default_val(8)->check(integerIn(1, 1024));
  cmd->add_option("--seed", a->seed, "Seed of the dequantization noise")->default_val(0)->check(integerIn(0, 1000000000000LL));
  cmd->add_option("--out", a->out, "PNG: image, heatmap and colour bar");
  cmd->add_option("--csv", a->csv, "CSV: channel,row,col,bits");
  cmd->add_flag("--per-channel", a->perChannel, "PNG: one map per colour channel (R, G, B) instead of one per pixel");
  addResizeFlag(cmd, a->resize);
  cmd->add_option("--device", a->device, "cpu, cuda or auto")->default_val("auto");
  cmd->callback([a] {
    if (a->image.empty() == (a->index < 0)) throw UsageError("heatmap: give an IMAGE file, or --data D --index I");
    if (a->out.empty() && a->csv.empty()) throw UsageError("heatmap: give --out FILE.png and/or --csv FILE.csv");
    auto loaded = openModel(a->model, 0, a->device);
    if (loaded.fresh) throw UsageError("heatmap: --model must be a trained checkpoint or run folder");
    const auto& c = loaded.model->config();
    torch::Tensor image8;
    if (!a->image.empty()) {
      auto img = readImage(a->image, ImageShape{c.channels, c.height, c.width});
      if (!img.conversion.empty()) std::cerr << "note: " << a->image << ": " << img.conversion << "\n";
      image8 = img.image;
    } else {
      auto data = openData(a->data, a->index + 1, c, DataRole::Test, a->resize);
      if (a->index >= data.size()) throw UsageError("--index is outside the data set");
      image8 = data.images[a->index];
    }
    auto r = pixelLikelihood(loaded.model, quantize(image8, c.nBits), a->samples, a->seed);
    requireFinite(r.totalBits, "the image's bits");
    auto perPixel = r.bits.sum(0);  // channels summed: bits per pixel
    if (!a->csv.empty()) {
      std::ostringstream csv;
      csv << "channel,row,col,bits\n";
      auto acc = r.bits.accessor<double, 3>();
      for (int64_t ch = 0; ch < r.bits.size(0); ++ch)
        for (int64_t y = 0; y < r.bits.size(1); ++y)
          for (int64_t x = 0; x < r.bits.size(2); ++x) csv << ch << "," << y << "," << x << "," << acc[ch][y][x] << "\n";
      writeFileAtomically(a->csv, csv.str());
    }
    if (!a->out.empty()) {
#ifdef FLOWPP_HAVE_OPENCV
      if (a->perChannel && c.channels > 1) {
        const std::vector<std::string> names = {"red", "green", "blue"};
        std::vector<torch::Tensor> maps;
        for (int64_t ch = 0; ch < c.channels; ++ch) maps.push_back(r.bits[ch]);
        writeHeatmapPng(a->out, image8, maps, names, r.bits.min().item<double>(), r.bits.max().item<double>());
      } else {
        writeHeatmapPng(a->out, image8, {perPixel}, {"bits per pixel"}, perPixel.min().item<double>(), perPixel.max().item<double>());
      }
#else
      throw UsageError("this build has no OpenCV: use --csv");
#endif
    }
    nlohmann::json breakdown = nlohmann::json::object();
    for (const auto& [name, bits] : r.breakdownBits) breakdown[name] = bits;
    printJson({{"bits_per_dim", r.bitsPerDim}, {"total_bits", r.totalBits}, {"breakdown_bits", breakdown},
               {"max_pixel_bits", perPixel.max().item<double>()}, {"min_pixel_bits", perPixel.min().item<double>()}});
  });
}

}  // namespace flowpp::cli
