#include "ToyPlot.h"

#include <algorithm>
#include <cstdio>
#include <stdexcept>

#include "data/Pixels.h"

#ifdef FLOWPP_HAVE_OPENCV
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#endif

namespace flowpp::cli {

std::string frameName(int index) {
  char name[32];
  std::snprintf(name, sizeof name, "frame-%05d.png", index);
  return name;
}

#ifdef FLOWPP_HAVE_OPENCV
namespace {
constexpr int kPanel = 240, kMargin = 10, kTitle = 26, kLabel = 18;
const cv::Scalar kBlack(0, 0, 0), kGrey(150, 150, 150), kBlue(200, 110, 30), kOrange(20, 130, 240), kRed(40, 40, 200);

void text(cv::Mat& m, const std::string& s, cv::Point at, double scale = 0.45, cv::Scalar colour = kBlack) {
  cv::putText(m, s, at, cv::FONT_HERSHEY_SIMPLEX, scale, colour, 1, cv::LINE_AA);
}

cv::Point toPixel(float x, float y, cv::Point origin) {
  const double s = kPanel / (2 * kToyExtent);
  return {origin.x + int((x + kToyExtent) * s), origin.y + int((kToyExtent - y) * s)};
}

void density(cv::Mat& m, const std::vector<double>& d, int grid, double hi, cv::Point origin, const std::string& label) {
  auto rgb = colourMap(d, grid, grid, 0.0, hi);
  cv::Mat src(grid, grid, CV_8UC3, rgb.data.data()), bgr, big;
  cv::cvtColor(src, bgr, cv::COLOR_RGB2BGR);
  cv::resize(bgr, big, cv::Size(kPanel, kPanel), 0, 0, cv::INTER_NEAREST);
  big.copyTo(m(cv::Rect(origin.x, origin.y, kPanel, kPanel)));
  text(m, label, {origin.x, origin.y + kPanel + 14});
}

void warped(cv::Mat& m, const ToyFlowView& v, const ToyPoints& data, cv::Point origin, const std::string& label) {
  cv::Mat panel = m(cv::Rect(origin.x, origin.y, kPanel, kPanel));
  panel.setTo(cv::Scalar(250, 250, 250));
  const cv::Point zero(0, 0);
  for (const auto& line : v.gridLines)
    for (size_t i = 1; i < line.size(); ++i)
      cv::line(panel, toPixel(line.xy[2 * i - 2], line.xy[2 * i - 1], zero), toPixel(line.xy[2 * i], line.xy[2 * i + 1], zero), kGrey, 1, cv::LINE_AA);
  for (size_t i = 0; i < data.size(); ++i) cv::circle(panel, toPixel(data.xy[2 * i], data.xy[2 * i + 1], zero), 1, kBlue, -1);
  cv::rectangle(m, cv::Rect(origin.x, origin.y, kPanel, kPanel), kGrey);
  text(m, label, {origin.x, origin.y + kPanel + 14});
}

void curves(cv::Mat& m, const ToyFrame& f, ToyPlotWhich which, cv::Point origin) {
  cv::Mat panel = m(cv::Rect(origin.x, origin.y, kPanel, kPanel));
  panel.setTo(cv::Scalar(255, 255, 255));
  cv::rectangle(m, cv::Rect(origin.x, origin.y, kPanel, kPanel), kGrey);
  std::vector<std::pair<const std::vector<double>*, cv::Scalar>> shown;
  if (which != ToyPlotWhich::Affine) shown.push_back({&f.mixture.nll, kBlue});
  if (which != ToyPlotWhich::Mixture) shown.push_back({&f.affine.nll, kOrange});
  double lo = 1e9, hi = -1e9;
  for (auto& [nll, c] : shown)
    for (double v : *nll) lo = std::min(lo, v), hi = std::max(hi, std::min(v, lo + 4.0));
  text(m, "training NLL (nats)", {origin.x, origin.y + kPanel + 14});
  if (f.nllSteps.size() < 2 || hi <= lo) return;
  const double x1 = double(f.nllSteps.back());
  for (auto& [nll, colour] : shown)
    for (size_t i = 1; i < nll->size(); ++i) {
      auto at = [&](size_t j) {
        const double y = std::min((*nll)[j], hi);
        return cv::Point(int(f.nllSteps[j] / x1 * (kPanel - 1)), int((hi - y) / (hi - lo) * (kPanel - 1)));
      };
      cv::line(panel, at(i - 1), at(i), colour, 1, cv::LINE_AA);
    }
  char range[64];
  std::snprintf(range, sizeof range, "%.2f .. %.2f", lo, hi);
  text(panel, range, {6, 16}, 0.4);
  int y = 34;
  for (auto& [nll, colour] : shown) text(panel, nll == &f.mixture.nll ? "mixture" : "affine", {6, (y += 16) - 16}, 0.4, colour);
}

std::string pngBytes(const cv::Mat& m) {
  std::vector<uchar> buf;
  cv::imencode(".png", m, buf);
  return {buf.begin(), buf.end()};
}
}  // namespace

std::string toyFramePng(const ToyFrame& f, ToyPlotWhich which) {
  std::vector<const ToyFlowView*> views;
  if (which != ToyPlotWhich::Affine) views.push_back(&f.mixture);
  if (which != ToyPlotWhich::Mixture) views.push_back(&f.affine);
  const int columns = 1 + int(views.size());
  const int rowH = kPanel + kLabel + kMargin;
  cv::Mat m(kTitle + 2 * rowH + kMargin, kMargin + columns * (kPanel + kMargin), CV_8UC3, cv::Scalar(255, 255, 255));
  char title[200];
  std::string nlls;
  for (auto* v : views) {
    char s[96];
    std::snprintf(s, sizeof s, "   %s: %.3f", v == &f.mixture ? "mixture" : "affine", v->testNll);
    nlls += s;
  }
  std::snprintf(title, sizeof title, "step %lld   held-out NLL (nats)%s", static_cast<long long>(f.step), nlls.c_str());
  text(m, title, {kMargin, 18}, 0.5);
  const double hi = *std::max_element(f.targetDensity.begin(), f.targetDensity.end());
  density(m, f.targetDensity, f.grid, hi, {kMargin, kTitle}, "target density");
  for (size_t i = 0; i < views.size(); ++i) {
    const int x = kMargin + int(i + 1) * (kPanel + kMargin);
    char label[120];
    std::snprintf(label, sizeof label, "%s, %lld params", views[i] == &f.mixture ? "mixture" : "affine",
                  static_cast<long long>(views[i]->parameters));
    density(m, views[i]->density, f.grid, hi, {x, kTitle}, label);
    warped(m, *views[i], views[i]->layerPoints, {x, kTitle + rowH},
           "data after layer " + std::to_string(f.layer) + " of " + std::to_string(f.layers));
  }
  curves(m, f, which, {kMargin, kTitle + rowH});
  return pngBytes(m);
}

std::string dequant1dPng(const Dequant1DReport& r) {
  const int w = 720, h = 300, left = 40, top = 30, plotH = 220;
  cv::Mat m(h + 60, w, CV_8UC3, cv::Scalar(255, 255, 255));
  const int levels = int(r.dataProbs.size());
  double hi = *std::max_element(r.dataProbs.begin(), r.dataProbs.end());
  for (const auto* f : {&r.uniform, &r.variational}) hi = std::max(hi, *std::max_element(f->density.begin(), f->density.end()));
  auto px = [&](double v) { return left + int(v / levels * (w - 2 * left)); };
  auto py = [&](double p) { return top + plotH - int(p / hi * plotH); };
  for (int x = 0; x < levels; ++x) cv::rectangle(m, cv::Point(px(x) + 1, py(r.dataProbs[x])), cv::Point(px(x + 1) - 1, py(0)), cv::Scalar(225, 225, 225), -1);
  auto plot = [&](const Dequant1DFit& f, cv::Scalar colour) {
    for (size_t i = 1; i < r.v.size(); ++i)
      cv::line(m, {px(r.v[i - 1]), py(f.density[i - 1])}, {px(r.v[i]), py(f.density[i])}, colour, 2, cv::LINE_AA);
  };
  plot(r.uniform, kOrange);
  plot(r.variational, kBlue);
  cv::line(m, {left, py(0)}, {w - left, py(0)}, kBlack);
  text(m, "grey bars: P_data(x) over [x, x+1); curves: fitted densities p(v)", {left, 18});
  char line[200];
  std::snprintf(line, sizeof line, "uniform u:      bound %.3f  exact %.3f  gap %.3f bits", r.uniform.boundBits, r.uniform.exactBits, r.uniform.gapBits());
  text(m, line, {left, h + 20}, 0.45, kOrange);
  std::snprintf(line, sizeof line, "variational q(u|x): bound %.3f  exact %.3f  gap %.3f bits   (H(data) = %.3f)", r.variational.boundBits,
                r.variational.exactBits, r.variational.gapBits(), r.entropyBits);
  text(m, line, {left, h + 44}, 0.45, kBlue);
  return pngBytes(m);
}
#else
std::string toyFramePng(const ToyFrame&, ToyPlotWhich) { throw std::runtime_error("this build has no OpenCV: no PNG frames"); }
std::string dequant1dPng(const Dequant1DReport&) { throw std::runtime_error("this build has no OpenCV: no PNG figure"); }
#endif

}  // namespace flowpp::cli
