#include "train/MetricsLog.h"

#include <algorithm>
#include <cmath>

#include <fstream>

#include <nlohmann/json.hpp>

namespace flowpp {

using nlohmann::json;

namespace {
double number(const json& o, const char* key, double fallback) {
  auto it = o.find(key);
  return it != o.end() && it->is_number() ? it->get<double>() : fallback;
}

// A count or step: a number from the file, within what a double holds exactly (a damaged line's
// 1e300 must not overflow the conversion).
int64_t count(const json& o, const char* key, int64_t fallback) {
  const double v = number(o, key, double(fallback));
  return std::isfinite(v) ? int64_t(std::clamp(v, -9007199254740992.0, 9007199254740992.0)) : fallback;
}
}  // namespace

bool MetricsLog::addLine(const std::string& line) {
  json o;
  try {
    o = json::parse(line);
  } catch (const json::exception&) {
    ++skipped;
    return false;
  }
  if (!o.is_object()) return ++skipped, false;
  if (auto e = o.find("event"); e != o.end()) {
    if (!e->is_string()) return ++skipped, false;
    lastEvent = e->get<std::string>();
    if (lastEvent == "start" || lastEvent == "resume") parameters = count(o, "parameters", parameters);
    static const char* kEnds[] = {"stopped", "paused", "time_up", "finished", "diverged"};
    if (std::any_of(std::begin(kEnds), std::end(kEnds), [&](const char* end) { return lastEvent == end; })) {
      endStep = double(count(o, "step", 0));
      const double test = number(o, "test_bpd", NAN);
      if (std::isfinite(test)) {
        MetricPoint p;
        p.step = endStep, p.test = test, p.wall = number(o, "wall_seconds", 0);
        p.testSe = number(o, "test_bpd_se", NAN);
        p.epoch = points.empty() ? 0 : points.back().epoch;
        points.push_back(p);
      }
    }
    if (lastEvent != "start") {
      std::string message;
      if (auto m = o.find("message"); m != o.end() && m->is_string()) message = " " + m->get<std::string>();
      events.push_back("step " + std::to_string(count(o, "step", 0)) + ": " + lastEvent + message);
    }
    return true;
  }
  const double train = number(o, "train_bpd", NAN), step = number(o, "step", NAN);
  if (std::isnan(train) || std::isnan(step)) return ++skipped, false;
  endStep = NAN;  // training went on (a resumed run)
  MetricPoint p;
  p.step = step, p.train = train;
  p.epoch = number(o, "epoch", 0), p.wall = number(o, "wall_seconds", 0);
  p.test = number(o, "test_bpd", NAN);
  p.testSe = number(o, "test_bpd_se", NAN);
  p.lr = number(o, "lr", 0), p.imagesPerSec = number(o, "images_per_sec", 0);
  points.push_back(p);
  return true;
}

double MetricsLog::finalTest() const {
  for (auto it = points.rbegin(); it != points.rend(); ++it)
    if (!std::isnan(it->test)) return it->test;
  return NAN;
}

double MetricsLog::finalTestSe() const {
  for (auto it = points.rbegin(); it != points.rend(); ++it)
    if (!std::isnan(it->test)) return it->testSe;
  return NAN;
}

TestOrder compareTests(double a, double seA, double b, double seB) {
  if (!std::isfinite(a) || !std::isfinite(b) || !std::isfinite(seA) || !std::isfinite(seB)) return TestOrder::Unknown;
  if (std::abs(a - b) <= 2.0 * std::sqrt(seA * seA + seB * seB)) return TestOrder::TooClose;
  return a < b ? TestOrder::Lower : TestOrder::Higher;
}

const MetricPoint* MetricsLog::lastTrainPoint() const {
  for (auto it = points.rbegin(); it != points.rend(); ++it)
    if (!std::isnan(it->train)) return &*it;
  return nullptr;
}

double MetricsLog::bestTest() const {
  double best = NAN;
  for (const auto& p : points)
    if (!std::isnan(p.test) && (std::isnan(best) || p.test < best)) best = p.test;
  return best;
}

int64_t MetricsLog::readFrom(const std::string& path, int64_t offset) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return -1;
  in.seekg(offset);
  std::string line;
  int64_t position = offset;
  while (std::getline(in, line)) {
    if (in.eof()) break;  // no newline yet: the writer is mid-line; read it next time
    position += int64_t(line.size()) + 1;
    if (!line.empty() && line.find_first_not_of(" \t\r") != std::string::npos) addLine(line);
  }
  return position;
}

}  // namespace flowpp
