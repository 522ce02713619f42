#include "store/store_sink.h"

#include <spdlog/spdlog.h>

namespace hostmind {

StoreSink::StoreSink(Store& store, SeriesTable& series, const StoreConfig& config)
    : store_(store), series_(series), config_(config) {}

Rollup StoreSink::ToRollup(const std::string& id, const Bucket& b) {
  return Rollup{id, b.start, b.min, b.max, b.sum, b.last, b.count};
}

void StoreSink::Roll(const Sample& s, std::vector<Rollup>& closed) {
  TimeMs start = s.ts - s.ts % config_.rollup_interval_ms;
  auto [it, inserted] = open_.try_emplace(s.key.id());
  Bucket& b = it->second;
  if (!inserted && b.start != start) {
    closed.push_back(ToRollup(s.key.id(), b));
    inserted = true;
  }
  if (inserted) b = Bucket{start, s.value, s.value, 0, s.value, 0};
  b.min = std::min(b.min, s.value);
  b.max = std::max(b.max, s.value);
  b.sum += s.value;
  b.last = s.value;
  b.count++;
}

void StoreSink::Consume(const Batch& batch, Analysis& analysis) {
  series_.Apply(batch.source, batch.ts, batch.samples);
  series_.Apply("derived:" + batch.source, batch.ts, analysis.samples);

  Store::Write w;
  for (const auto& s : batch.samples) Roll(s, w.rollups);
  for (const auto& s : analysis.samples) Roll(s, w.rollups);
  for (const auto& e : batch.events) w.events.push_back(&e);
  for (auto& f : analysis.findings) w.findings.push_back(&f);
  w.state = batch.state;
  if (!w.events.empty() || !w.findings.empty() || !w.state.empty() || !w.rollups.empty()) {
    Status s = store_.Commit(w);
    if (!s.ok()) {
      // The batch is lost to the store (still counted and logged); memory stays bounded.
      ++commit_errors_;
      spdlog::error("store: {}", s.ToString());
    }
  }
  if (batch.ts - last_retention_ >= kMsPerHour) {
    last_retention_ = batch.ts;
    if (auto n = store_.DeleteOlderThan(batch.ts - config_.retention_ms); !n.ok())
      spdlog::error("store retention: {}", n.status().ToString());
  }
  // Series that stopped reporting leave their open bucket behind; close those too.
  if (open_.size() > 4 * series_.series_count() + 1024) {
    Store::Write stale;
    for (auto it = open_.begin(); it != open_.end();) {
      if (batch.ts - it->second.start > 2 * config_.rollup_interval_ms) {
        stale.rollups.push_back(ToRollup(it->first, it->second));
        it = open_.erase(it);
      } else {
        ++it;
      }
    }
    if (!store_.Commit(stale).ok()) ++commit_errors_;
  }
}

void StoreSink::Flush() {
  Store::Write w;
  for (const auto& [id, b] : open_) w.rollups.push_back(ToRollup(id, b));
  open_.clear();
  if (Status s = store_.Commit(w); !s.ok()) {
    ++commit_errors_;
    spdlog::error("store flush: {}", s.ToString());
  }
}

}  // namespace hostmind
