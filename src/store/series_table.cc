#include "store/series_table.h"

#include <mutex>
#include <string_view>
#include <unordered_set>

namespace hostmind {

void SeriesTable::Trim(Series& s, TimeMs now) const {
  while (!s.points.empty() && s.points.front().ts < now - window_ms_) s.points.pop_front();
}

void SeriesTable::Apply(const std::string& source, TimeMs now, const std::vector<Sample>& samples) {
  std::unique_lock lock(mu_);
  std::vector<std::string>& previous = by_source_[source];
  std::unordered_set<std::string_view> current;
  current.reserve(samples.size());
  std::vector<std::string> ids;
  ids.reserve(samples.size());
  for (const auto& sample : samples) {
    auto [it, inserted] = series_.try_emplace(sample.key.id());
    Series& s = it->second;
    if (inserted) s.key = sample.key;
    s.kind = sample.kind;
    s.source = source;
    s.live = true;
    s.points.push_back({sample.ts, sample.value});
    Trim(s, now);
    ids.push_back(sample.key.id());
    current.insert(it->first);
  }
  // Whatever this source reported last time but not now has gone stale.
  for (const auto& id : previous) {
    if (current.count(id)) continue;
    auto it = series_.find(id);
    if (it != series_.end() && it->second.source == source) it->second.live = false;
  }
  previous = std::move(ids);
  // Live series are trimmed as they grow; stale ones only age, so sweep them now and then.
  if (now - last_sweep_ < kSweepIntervalMs) return;
  last_sweep_ = now;
  for (auto it = series_.begin(); it != series_.end();) {
    if (!it->second.live) Trim(it->second, now);
    if (!it->second.live && it->second.points.empty()) it = series_.erase(it);
    else ++it;
  }
}

std::vector<SeriesTable::Latest> SeriesTable::LiveSeries() const {
  std::shared_lock lock(mu_);
  std::vector<Latest> out;
  out.reserve(series_.size());
  for (const auto& [id, s] : series_)
    if (s.live && !s.points.empty()) out.push_back({s.key, s.kind, s.points.back().value, s.points.back().ts});
  return out;
}

std::optional<std::vector<SeriesPoint>> SeriesTable::Points(const std::string& id, TimeMs since) const {
  std::shared_lock lock(mu_);
  auto it = series_.find(id);
  if (it == series_.end()) return std::nullopt;
  std::vector<SeriesPoint> out;
  for (const auto& p : it->second.points)
    if (p.ts >= since) out.push_back(p);
  return out;
}

size_t SeriesTable::series_count() const {
  std::shared_lock lock(mu_);
  return series_.size();
}

size_t SeriesTable::point_count() const {
  std::shared_lock lock(mu_);
  size_t n = 0;
  for (const auto& [id, s] : series_) n += s.points.size();
  return n;
}

}  // namespace hostmind
