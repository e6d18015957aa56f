#pragma once
// Reading a run's metrics.jsonl (what the trainer writes; see train/Trainer.h): metrics lines become
// points, event lines become readable events. Torch-free, tolerant: a line that is not a JSON object
// of the expected kinds is skipped and counted, never fatal.
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

namespace flowpp {

struct MetricPoint {
  double step = 0, epoch = 0, wall = 0;
  double train = NAN, test = NAN;
  double testSe = NAN;  // the test value's standard error over the test images (test_bpd_se)
  double lr = 0, imagesPerSec = 0;
};

struct MetricsLog {
  std::vector<MetricPoint> points;
  std::vector<std::string> events;  // "step 120: stopped ..." in file order
  std::string lastEvent;            // the newest event's name ("start", "resume", "stopped", "finished", ...)
  int64_t parameters = 0;           // from the start or resume event
  int skipped = 0;                  // unreadable lines
  // The step of the run's last checkpoint, from its end event (stopped, paused, time_up, finished,
  // diverged); NaN while the run goes on. Lines are logged every --log-every steps, so it can be
  // later than the last point's.
  double endStep = NAN;

  // Adds one line; returns false (and leaves the log unchanged) for an unreadable line.
  bool addLine(const std::string& line);
  // A final evaluation carried by an end event (a time budget's end) is a point of its own, with
  // a test value and no train value.
  double finalTest() const;  // the last test value, NaN when none
  double finalTestSe() const;  // its standard error, NaN when none or not logged
  double bestTest() const;
  const MetricPoint* lastTrainPoint() const;  // the newest point with a train value, or null
  // Reads `path` from byte `offset` on (a file that is still growing is read up to its last full
  // line); returns the offset after the last line read, or -1 when the file cannot be opened.
  int64_t readFrom(const std::string& path, int64_t offset);
};

// Whether test value a differs from b by more than their estimates' noise: |a - b| > 2 sqrt(se_a^2 +
// se_b^2), about 95% for independent estimates (runs evaluated on the same images with the same
// noise are correlated, so this errs toward "too close"). NaN (unknown) without both errors.
enum class TestOrder { Lower, Higher, TooClose, Unknown };
TestOrder compareTests(double a, double seA, double b, double seB);

}  // namespace flowpp
