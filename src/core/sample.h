#pragma once
// Samples: numbers over time. A series is identified by a metric name and a sorted label set,
// exactly as in Prometheus, so the /metrics exposition is a direct rendering of the latest sample
// of each series.
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/clock.h"

namespace hostmind {

// Gauges are levels or rates the collector already computed (utilisation, bytes/s); counters
// only ever grow (error counts, drops) and are exported with a `_total` suffix.
enum class MetricKind { kGauge, kCounter };

using Label = std::pair<std::string, std::string>;

class SeriesKey {
 public:
  SeriesKey() = default;
  // Labels are sorted by name on construction; names must be valid Prometheus identifiers.
  SeriesKey(std::string name, std::vector<Label> labels = {});

  const std::string& name() const { return name_; }
  const std::vector<Label>& labels() const { return labels_; }
  // The value of label `key`, or "" when absent.
  std::string_view label(std::string_view key) const;
  // `name{a="x",b="y"}` with Prometheus escaping; the identity of the series.
  const std::string& id() const { return id_; }

  bool operator==(const SeriesKey& o) const { return id_ == o.id_; }
  bool operator<(const SeriesKey& o) const { return id_ < o.id_; }

 private:
  std::string name_;
  std::vector<Label> labels_;
  std::string id_;
};

struct Sample {
  SeriesKey key;
  double value = 0;
  TimeMs ts = 0;
  MetricKind kind = MetricKind::kGauge;
};

// Escapes a label value for the Prometheus text format (backslash, quote, newline).
std::string EscapeLabelValue(std::string_view v);

}  // namespace hostmind
