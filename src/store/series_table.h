#pragma once
// The recent raw samples of every series, in memory: the latest value for /metrics and a
// bounded window of points for /api/v1/series and the dashboard. Thread-safe: the analysis
// thread writes, HTTP threads read.
//
// Staleness follows Prometheus: each batch from a source replaces that source's set of series,
// so a series its source stopped reporting (a process that exited) leaves the exposition at
// once, and its points leave memory when they age out of the window.
#include <deque>
#include <map>
#include <optional>
#include <shared_mutex>
#include <string>
#include <vector>

#include "core/sample.h"

namespace hostmind {

struct SeriesPoint {
  TimeMs ts;
  double value;
};

class SeriesTable {
 public:
  explicit SeriesTable(TimeMs raw_window_ms) : window_ms_(raw_window_ms) {}

  // Records `samples` produced by `source` at `now`; that source's series absent from
  // `samples` become stale.
  void Apply(const std::string& source, TimeMs now, const std::vector<Sample>& samples);

  struct Latest {
    SeriesKey key;
    MetricKind kind;
    double value;
    TimeMs ts;
  };
  // The latest value of every live series, ordered by series id.
  std::vector<Latest> LiveSeries() const;
  // Points of series `id` at or after `since`; nullopt for an unknown series.
  std::optional<std::vector<SeriesPoint>> Points(const std::string& id, TimeMs since) const;
  size_t series_count() const;
  size_t point_count() const;

 private:
  struct Series {
    SeriesKey key;
    MetricKind kind = MetricKind::kGauge;
    std::string source;
    bool live = true;
    std::deque<SeriesPoint> points;
  };
  void Trim(Series& s, TimeMs now) const;

  static constexpr TimeMs kSweepIntervalMs = 10000;
  TimeMs window_ms_;
  TimeMs last_sweep_ = 0;
  mutable std::shared_mutex mu_;
  std::map<std::string, Series> series_;                         // by series id
  std::map<std::string, std::vector<std::string>> by_source_;   // source -> ids in its last batch
};

}  // namespace hostmind
