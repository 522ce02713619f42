#pragma once
// ExhaustionAnalyzer: time-to-exhaustion for every filesystem (bytes and inodes), memory
// (MemAvailable) and swap, and leak detection on process and cgroup memory, each with an
// ExhaustionForecaster.
//
// Resources and their series (from the collectors):
//   filesystem  hostmind_filesystem_{size,avail}_bytes{mountpoint}: used = size - avail, full at size
//   inodes      hostmind_filesystem_inodes{,_free}{mountpoint}
//   memory      hostmind_memory_{total,available}_bytes: in use = total - available
//   swap        hostmind_swap_{total,used}_bytes
//   process     hostmind_process_rss_bytes{pid,comm}: limit = the host's memory
//   cgroup      hostmind_cgroup_memory_usage_bytes{cgroup}: limit = its memory limit, else the host's
// Findings: kForecast (warning; critical under `critical`) when a filesystem, memory or swap will
// run out within `horizon`; kLeak (warning; critical when its limit is under `critical` away) when
// a process or cgroup has grown steadily for `leak_after` by at least a tenth of its size. A
// finding is repeated at most hourly while the condition holds, and at once when it worsens.
// A resource not updated for 30 minutes (an exited process, an unmounted filesystem) is dropped.
// Derived series: hostmind_forecast_seconds_to_full{resource,subject} (while growth is
// established) and hostmind_forecast_growth_per_hour{resource,subject}.
#include <map>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/pipeline.h"
#include "learn/exhaustion_forecaster.h"

namespace hostmind {

struct ExhaustionOptions {
  TimeMs horizon = 24 * kMsPerHour;
  TimeMs critical = 6 * kMsPerHour;
  TimeMs leak_after = 2 * kMsPerHour;
  double leak_min_growth = 0.1;  // of the current level
  double leak_min_bytes = 16e6;  // smaller processes are not worth a leak report
  size_t max_resources = 256;
};

struct ResourceForecast {
  std::string resource;  // filesystem, inodes, memory, swap, process, cgroup
  std::string subject;   // "/var", "memory", "java (pid 4242)", "/system.slice/db.service"
  double used = 0;
  double limit = 0;
  ExhaustionForecast forecast;
  Severity alert = Severity::kInfo;  // kInfo: not alerting
  TimeMs updated = 0;
  std::string series;        // the collected series it is read from (the one its chart shows)
  bool series_is_left = false;  // that series counts what is left (avail, free), not what is used
};

// A point of a forecast drawn on its series' chart, in that series' units: the median path and
// its 90% interval.
struct ForecastPoint {
  TimeMs ts = 0;
  double value = 0;
  double low = 0;
  double high = 0;
};

// The forecast's path from its last reading to `ahead` later (or to exhaustion, if sooner), as
// a few points of the straight trend; empty while the forecaster has no trend yet.
std::vector<ForecastPoint> ForecastPath(const ResourceForecast& r, TimeMs ahead);

class ExhaustionAnalyzer final : public Analyzer {
 public:
  explicit ExhaustionAnalyzer(ExhaustionOptions options = {});
  void Analyze(const Batch& batch, Analysis& out) override;
  // Every tracked resource, most urgent first (thread-safe).
  std::vector<ResourceForecast> Snapshot() const;

 private:
  struct Tracked {
    ResourceForecast view;
    ExhaustionForecaster forecaster;
    TimeMs last_alert = 0;
  };
  // Feeds one reading and returns the finding it warrants, if any.
  struct Reading {
    std::string resource, subject;
    std::string series;  // the sample it came from
    bool series_is_left = false;
    double used = 0, limit = 0;
    TimeMs ts = 0;
  };
  std::optional<Finding> Update(const std::string& key, const Reading& reading);
  std::optional<Finding> Judge(Tracked& t, const std::string& series, TimeMs ts);
  Tracked& Find(const std::string& key);

  ExhaustionOptions options_;
  std::unordered_map<std::string, Tracked> tracked_;
  double host_memory_ = 0;  // MemTotal, the limit of processes and unlimited cgroups
  mutable std::mutex mu_;
  std::vector<ResourceForecast> snapshot_;
};

}  // namespace hostmind
