#include "learn/run_history.h"

#include <algorithm>
#include <cmath>

namespace hostmind {

void RunStats::Add(double runtime_s, double estimate_s, TimeMs end) {
  last2_s = count ? last1_s : runtime_s;
  last1_s = runtime_s;
  sum_s += runtime_s;
  ++count;
  last_estimate_s = estimate_s;
  if (estimate_s > 0) {
    sum_log_ratio += std::log(std::max(runtime_s, 1.0) / std::max(estimate_s, 1.0));
    ++ratio_count;
  }
  last_end = std::max(last_end, end);
}

int HistoryView::deepest() const {
  for (int i = kHistoryLevels - 1; i >= 0; --i)
    if (level[i].count > 0) return i;
  return -1;
}

uint64_t StableHash(std::string_view s, uint64_t seed) {
  uint64_t h = seed;
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

uint64_t RunHistory::KeyOf(const RunRequest& req, HistoryLevel level) {
  // Separators keep ("ab","c") and ("a","bc") apart.
  uint64_t h = StableHash(req.user);
  if (level == HistoryLevel::kUser) return h;
  h = StableHash("\x1f" + req.command, h);
  if (level == HistoryLevel::kCommand) return h;
  for (const auto& a : req.args) h = StableHash("\x1e" + a, h);
  h = StableHash("\x1f" + req.cwd, h);
  h = StableHash("\x1f" + std::to_string(req.cpus) + "\x1f" + std::to_string(req.estimate_ms), h);
  return h;
}

HistoryView RunHistory::Lookup(const RunRequest& req) const {
  HistoryView view;
  for (int i = 0; i < kHistoryLevels; ++i) {
    auto it = maps_[i].find(KeyOf(req, static_cast<HistoryLevel>(i)));
    if (it != maps_[i].end()) view.level[i] = it->second;
  }
  return view;
}

void RunHistory::Add(const RunRequest& req, TimeMs runtime_ms, TimeMs end_ts) {
  const double runtime_s = runtime_ms / 1000.0;
  const double estimate_s = req.estimate_ms / 1000.0;
  for (int i = 0; i < kHistoryLevels; ++i) {
    maps_[i][KeyOf(req, static_cast<HistoryLevel>(i))].Add(runtime_s, estimate_s, end_ts);
    if (maps_[i].size() > max_keys_ + max_keys_ / 4) Evict(maps_[i]);
  }
  global_.Add(runtime_s, estimate_s, end_ts);
}

// Drops the least recently finished keys down to max_keys_. Runs once per max_keys_/4 new
// keys, so its cost is amortised.
void RunHistory::Evict(std::unordered_map<uint64_t, RunStats>& map) {
  std::vector<TimeMs> ends;
  ends.reserve(map.size());
  for (const auto& [key, stats] : map) ends.push_back(stats.last_end);
  const size_t drop = map.size() - max_keys_;
  std::nth_element(ends.begin(), ends.begin() + drop, ends.end());
  const TimeMs cutoff = ends[drop];
  size_t dropped = 0;
  for (auto it = map.begin(); it != map.end() && dropped < drop;) {
    if (it->second.last_end <= cutoff) {
      it = map.erase(it);
      ++dropped;
    } else {
      ++it;
    }
  }
}

namespace {

void SaveStats(ByteWriter& w, const RunStats& s) {
  w.PutVarint(s.count);
  w.PutDouble(s.last1_s);
  w.PutDouble(s.last2_s);
  w.PutDouble(s.sum_s);
  w.PutDouble(s.last_estimate_s);
  w.PutDouble(s.sum_log_ratio);
  w.PutVarint(s.ratio_count);
  w.PutSignedVarint(s.last_end);
}

bool LoadStats(ByteReader& r, RunStats* s) {
  int64_t last_end = 0;
  bool ok = r.GetVarint(&s->count) && r.GetDouble(&s->last1_s) && r.GetDouble(&s->last2_s) && r.GetDouble(&s->sum_s) &&
            r.GetDouble(&s->last_estimate_s) && r.GetDouble(&s->sum_log_ratio) && r.GetVarint(&s->ratio_count) &&
            r.GetSignedVarint(&last_end);
  s->last_end = last_end;
  return ok;
}

}  // namespace

void RunHistory::Save(ByteWriter& w) const {
  SaveStats(w, global_);
  for (const auto& map : maps_) {
    w.PutVarint(map.size());
    for (const auto& [key, stats] : map) {
      w.PutFixed64(key);
      SaveStats(w, stats);
    }
  }
}

Status RunHistory::Load(ByteReader& r) {
  RunStats global;
  std::unordered_map<uint64_t, RunStats> maps[kHistoryLevels];
  bool ok = LoadStats(r, &global);
  for (auto& map : maps) {
    uint64_t n = 0;
    // Each entry takes at least 20 bytes: a count beyond that is corruption, not a big history.
    ok = ok && r.GetBounded(r.remaining() / 20, &n);
    for (uint64_t i = 0; i < n && ok; ++i) {
      uint64_t key = 0;
      ok = r.GetFixed64(&key) && LoadStats(r, &map[key]);
    }
  }
  if (!ok) return Status::Corrupt("run history: truncated or malformed state");
  global_ = global;
  for (int i = 0; i < kHistoryLevels; ++i) maps_[i] = std::move(maps[i]);
  return Status::Ok();
}

}  // namespace hostmind
