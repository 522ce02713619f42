#include "detect/host_correlation.h"

#include <algorithm>
#include <cmath>

#include "learn/anomaly_detector.h"

namespace hostmind {

namespace {

// Core gauges every Linux host has; per-process and per-cgroup series are left to their own
// detectors (they come and go, and a host vector must keep its dimensions).
constexpr const char* kCoreMetrics[] = {
    "hostmind_cpu_utilization_ratio",           "hostmind_memory_used_ratio",
    "hostmind_context_switches_per_second",     "hostmind_forks_per_second",
    "hostmind_procs_running",                   "hostmind_procs_blocked",
    "hostmind_pressure_stall_ratio",            "hostmind_disk_read_bytes_per_second",
    "hostmind_disk_written_bytes_per_second",   "hostmind_network_receive_bytes_per_second",
    "hostmind_network_transmit_bytes_per_second", "hostmind_major_page_faults_per_second",
    "hostmind_page_in_kib_per_second",          "hostmind_page_out_kib_per_second",
    "hostmind_tcp_active_opens_per_second",
};

// In log(1 + x) units a spread under 0.1 (a 10% change) is noise, not a relation.
constexpr double kLogSpreadFloor = 0.1;

double Transform(double x) { return std::log1p(std::max(x, 0.0)); }

}  // namespace

HostCorrelation::HostCorrelation(HostCorrelationOptions options) : options_(options) {}

bool HostCorrelation::Watches(const SeriesKey& key) {
  const std::string& name = key.name();
  const bool core = std::find_if(std::begin(kCoreMetrics), std::end(kCoreMetrics),
                                 [&](const char* m) { return name == m; }) != std::end(kCoreMetrics);
  return core && (name != "hostmind_cpu_utilization_ratio" || key.label("cpu") == "total");
}

std::optional<AnomalyOnset> HostCorrelation::Step(TimeMs end, const std::map<std::string, double>& values) {
  if (!detector_) {
    if (++steps_seen_ < options_.discover_steps || values.size() < 2) return std::nullopt;
    for (const auto& [id, v] : values) {
      if (ids_.size() == options_.max_series) break;
      ids_.push_back(id);  // std::map: sorted by id
    }
    values_.assign(ids_.size(), 0.0);
    CorrelationOptions c;
    c.learning_steps = options_.learning_steps;
    c.rate = options_.rate;
    c.sd_floor = kLogSpreadFloor;
    detector_.emplace(ids_.size(), c);
  }
  for (size_t i = 0; i < ids_.size(); ++i) {
    auto it = values.find(ids_[i]);
    if (it != values.end()) values_[i] = Transform(it->second);
  }
  last_residual_ = detector_->Observe(values_);
  if (learnt_ < options_.learning_steps) {
    if (++learnt_ > CorrelationOptions().refresh_steps) learning_residuals_.push_back(last_residual_);
    if (learnt_ == options_.learning_steps && !learning_residuals_.empty()) {
      std::sort(learning_residuals_.begin(), learning_residuals_.end());
      const auto k = static_cast<size_t>((1.0 - options_.tail) * static_cast<double>(learning_residuals_.size() - 1));
      level_ = std::max(learning_residuals_[k], 1e-9);
      learning_residuals_ = {};
    }
    return std::nullopt;
  }
  if (level_ <= 0) return std::nullopt;
  const bool above = last_residual_ > level_;
  const bool onset = above && !above_;
  above_ = above;
  if (!onset) return std::nullopt;
  // At the level the score is the alert threshold; it nears 1 as the residual grows past it.
  const double score = kAnomalyThreshold + (1 - kAnomalyThreshold) * (1 - level_ / last_residual_);
  return AnomalyOnset{end, kSeries, score, "correlation", last_residual_, 0, level_, Explain(3)};
}

std::string HostCorrelation::Explain(size_t n) const {
  std::string out = "most off their learned relation:";
  for (size_t i : detector_->Contributors(n)) out += " " + ids_[i];
  return out;
}

size_t HostCorrelation::StateBytes() const {
  size_t bytes = sizeof(*this) + values_.size() * sizeof(double) + learning_residuals_.capacity() * sizeof(double);
  for (const std::string& id : ids_) bytes += sizeof(std::string) + id.size();
  return bytes + (detector_ ? detector_->StateBytes() : 0);
}

}  // namespace hostmind
