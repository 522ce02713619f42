// Metric detector throughput and state, ending with one JSON object of the headline figures.
//
//   hostmind-detector-bench [--series N] [--steps N]
//
// Generates N series of realistic shape (a daily cycle, noise, occasional steps and spikes),
// then measures on one thread, side by side:
//   detector   AnomalyDetector::Observe alone, series interleaved as the live agent feeds them
//   analyzer   MetricAnomalyAnalyzer::Analyze on batches of samples (series lookup, per-step
//              means, incidents, derived series: the full live path)
//   baseline   NAB's windowedGaussian (our re-implementation) on the same values
// and reports samples per second and bytes of state per series. The values are generated
// before the clock starts; each figure is the best of three runs. Time is the thread's CPU time
// (CLOCK_THREAD_CPUTIME_ID): on a shared machine wall time also counts the other processes'
// turns on the core; both are printed, the JSON's headline is per CPU second.
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

#include "detect/metric_anomaly_analyzer.h"
#include "eval/windowed_gaussian.h"
#include "learn/anomaly_detector.h"

namespace hostmind {
namespace {

constexpr TimeMs kStep = 10 * kMsPerSecond;

// values[step * series + s]: series interleaved step by step, as collection delivers them.
std::vector<double> Generate(size_t series, size_t steps) {
  std::mt19937_64 rng(1);
  std::normal_distribution<double> noise(0, 1);
  std::uniform_real_distribution<double> uniform(0, 1);
  std::vector<double> values(series * steps);
  for (size_t s = 0; s < series; ++s) {
    const double level = 10 + 90 * uniform(rng), amplitude = level * 0.3 * uniform(rng), sd = level * 0.05;
    double shift = 0;
    for (size_t t = 0; t < steps; ++t) {
      if (uniform(rng) < 1e-4) shift += level * 0.5 * noise(rng);
      const double phase = 2 * M_PI * static_cast<double>(t * kStep % kMsPerDay) / kMsPerDay;
      double v = level + shift + amplitude * std::sin(phase) + sd * noise(rng);
      if (uniform(rng) < 1e-4) v += 10 * sd;
      values[t * series + s] = v;
    }
  }
  return values;
}

double ThreadCpuSeconds() {
  timespec t{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + 1e-9 * static_cast<double>(t.tv_nsec);
}

struct Seconds {
  double cpu = 1e300;
  double wall = 1e300;
};

template <typename Run>
Seconds BestSeconds(Run run) {
  Seconds best;
  for (int i = 0; i < 3; ++i) {
    const auto start = std::chrono::steady_clock::now();
    const double cpu_start = ThreadCpuSeconds();
    run();
    best.cpu = std::min(best.cpu, ThreadCpuSeconds() - cpu_start);
    best.wall = std::min(best.wall, std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }
  return best;
}

Seconds DetectorSeconds(const std::vector<double>& values, size_t series, size_t steps, double& checksum) {
  return BestSeconds([&] {
    std::vector<AnomalyDetector> detectors(series);
    double sum = 0;
    for (size_t t = 0; t < steps; ++t) {
      const TimeMs ts = static_cast<TimeMs>(t) * kStep;
      for (size_t s = 0; s < series; ++s) sum += detectors[s].Observe(ts, values[t * series + s]).score;
    }
    checksum = sum;
  });
}

Seconds BaselineSeconds(const std::vector<double>& values, size_t series, size_t steps, double& checksum) {
  return BestSeconds([&] {
    std::vector<WindowedGaussian> detectors(series);
    double sum = 0;
    for (size_t t = 0; t < steps; ++t) {
      for (size_t s = 0; s < series; ++s) sum += detectors[s].Score(values[t * series + s]);
    }
    checksum = sum;
  });
}

// One batch per step holding every series' sample (keys built before the clock starts).
Seconds AnalyzerSeconds(const std::vector<double>& values, size_t series, size_t steps, uint64_t& onsets) {
  std::vector<SeriesKey> keys;
  for (size_t s = 0; s < series; ++s) {
    keys.emplace_back("bench_gauge", std::vector<Label>{{"series", std::to_string(s)}});
  }
  std::vector<Batch> batches(steps);
  for (size_t t = 0; t < steps; ++t) {
    batches[t].ts = static_cast<TimeMs>(t) * kStep;
    for (size_t s = 0; s < series; ++s) batches[t].Gauge(keys[s], values[t * series + s]);
  }
  return BestSeconds([&] {
    MetricAnomalyOptions options;
    options.max_series = series;
    options.step = kStep;
    MetricAnomalyAnalyzer analyzer(options);
    for (const Batch& b : batches) {
      Analysis out;
      analyzer.Analyze(b, out);
    }
    onsets = analyzer.Snapshot().onsets_total;
  });
}

size_t ArgOr(int argc, char** argv, const char* flag, size_t fallback) {
  for (int i = 1; i + 1 < argc; ++i) {
    if (std::strcmp(argv[i], flag) == 0) return std::strtoull(argv[i + 1], nullptr, 10);
  }
  return fallback;
}

int Main(int argc, char** argv) {
  const size_t series = ArgOr(argc, argv, "--series", 1000);
  const size_t steps = ArgOr(argc, argv, "--steps", 2000);
  const std::vector<double> values = Generate(series, steps);
  const double samples = static_cast<double>(series * steps);
  double detector_sum = 0, baseline_sum = 0;
  uint64_t onsets = 0;
  const Seconds detector_s = DetectorSeconds(values, series, steps, detector_sum);
  const Seconds analyzer_s = AnalyzerSeconds(values, series, steps, onsets);
  const Seconds baseline_s = BaselineSeconds(values, series, steps, baseline_sum);
  std::printf("%zu series x %zu steps (%.0f samples), one thread, best of 3; samples per CPU second (per wall second)\n",
              series, steps, samples);
  std::printf("  detector (AnomalyDetector::Observe)       %10.0f (%10.0f)  %5zu B/series\n", samples / detector_s.cpu,
              samples / detector_s.wall, AnomalyDetector::MemoryBytes());
  std::printf("  analyzer (MetricAnomalyAnalyzer, live)    %10.0f (%10.0f)  %5zu B/series  %llu onsets\n",
              samples / analyzer_s.cpu, samples / analyzer_s.wall, MetricAnomalyAnalyzer::BytesPerSeries(),
              static_cast<unsigned long long>(onsets));
  std::printf("  baseline (windowedGaussian, 6400/100)     %10.0f (%10.0f)  %5zu B/series (window of doubles)\n",
              samples / baseline_s.cpu, samples / baseline_s.wall, kPublishedWindowedGaussian.window * sizeof(double));
  nlohmann::json j = {{"series", series},
                      {"steps", steps},
                      {"detector_samples_per_s", std::round(samples / detector_s.cpu)},
                      {"analyzer_samples_per_s", std::round(samples / analyzer_s.cpu)},
                      {"windowed_gaussian_samples_per_s", std::round(samples / baseline_s.cpu)},
                      {"detector_samples_per_wall_s", std::round(samples / detector_s.wall)},
                      {"analyzer_samples_per_wall_s", std::round(samples / analyzer_s.wall)},
                      {"detector_state_bytes", AnomalyDetector::MemoryBytes()},
                      {"analyzer_bytes_per_series", MetricAnomalyAnalyzer::BytesPerSeries()},
                      {"windowed_gaussian_state_bytes", kPublishedWindowedGaussian.window * sizeof(double)},
                      {"checksum", detector_sum + baseline_sum}};
  std::printf("%s\n", j.dump().c_str());
  return 0;
}

}  // namespace
}  // namespace hostmind

int main(int argc, char** argv) { return hostmind::Main(argc, argv); }
