#include "learn/launch_model.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "core/sorted_entries.h"
#include "learn/byte_codec.h"

namespace hostmind {

namespace {

constexpr std::string_view kMagic = "hmLCH1";
constexpr float kDelayAlpha = 0.3f;

double MinuteOfDay(TimeMs ts) {
  return static_cast<double>(((ts % kMsPerDay) + kMsPerDay) % kMsPerDay) / kMsPerMinute;
}

// Distance between two minutes of the day, around midnight.
float CircularMinutes(float a, float b) {
  float d = std::fabs(a - b);
  return std::min(d, 1440 - d);
}

void SortByProbability(std::vector<LaunchPrediction>& out) {
  std::sort(out.begin(), out.end(), [](const LaunchPrediction& a, const LaunchPrediction& b) {
    return a.probability != b.probability ? a.probability > b.probability : a.key < b.key;
  });
}

}  // namespace

void LaunchModel::AddLink(std::map<std::string, Link>& links, const std::string& key, TimeMs delay) {
  auto [it, inserted] = links.try_emplace(key);
  Link& l = it->second;
  if (inserted) l.delay_ms = static_cast<float>(delay);
  else l.delay_ms += kDelayAlpha * (static_cast<float>(delay) - l.delay_ms);
  l.weight += 1;
}

void LaunchModel::Bound(std::map<std::string, Link>& links) const {
  while (links.size() > limits_.max_links) {
    auto lightest = std::min_element(links.begin(), links.end(),
                                     [](const auto& a, const auto& b) { return a.second.weight < b.second.weight; });
    links.erase(lightest);
  }
}

void LaunchModel::DecayDaily(Program& p, TimeMs now) const {
  if (now <= p.daily_ts) return;
  float f = static_cast<float>(std::pow(limits_.day_decay, static_cast<double>(now - p.daily_ts) / kMsPerDay));
  for (DailyTime& d : p.daily) d.weight *= f;
  p.daily_ts = now;
}

void LaunchModel::LearnDailyTime(Program& p, TimeMs ts) const {
  DecayDaily(p, ts);
  const float minute = static_cast<float>(MinuteOfDay(ts));
  const float tolerance = static_cast<float>(limits_.daily_tolerance_ms) / kMsPerMinute;
  DailyTime* nearest = nullptr;
  for (DailyTime& d : p.daily)
    if (CircularMinutes(d.minute, minute) <= tolerance &&
        (!nearest || CircularMinutes(d.minute, minute) < CircularMinutes(nearest->minute, minute)))
      nearest = &d;
  // A launch repeated within the tolerance on the same day is the same occurrence.
  bool same_occurrence = nearest && p.last_ts > 0 && ts - p.last_ts < limits_.daily_tolerance_ms;
  if (same_occurrence) return;
  if (nearest) {
    float delta = minute - nearest->minute;
    if (delta > 720) delta -= 1440;
    if (delta < -720) delta += 1440;
    nearest->minute = std::fmod(nearest->minute + kDelayAlpha * delta + 1440, 1440.0f);
    nearest->weight += 1;
  } else {
    p.daily.push_back({minute, 1});
  }
  if (p.daily.size() > limits_.max_daily_times)
    p.daily.erase(std::min_element(p.daily.begin(), p.daily.end(),
                                   [](const DailyTime& a, const DailyTime& b) { return a.weight < b.weight; }));
}

double LaunchModel::DailyProbability(const Program& p, const DailyTime& d, TimeMs now) const {
  // Had it come every day at d.minute, its weight now would be q^age * (1 - q^n) / (1 - q),
  // with age the days since the last such time and n the number of such times since first seen.
  const double q = limits_.day_decay;
  double age = std::fmod(MinuteOfDay(now) - d.minute + 1440.0, 1440.0) / 1440.0;
  double days = static_cast<double>(now - p.first_ts) / kMsPerDay;
  double n = std::max(1.0, std::floor(days - age) + 1);
  double norm = std::pow(q, age) * (q < 1 ? (1 - std::pow(q, n)) / (1 - q) : n);
  double since = static_cast<double>(std::max<TimeMs>(0, now - p.daily_ts)) / kMsPerDay;
  return std::min(1.0, d.weight * std::pow(q, since) / norm);
}

void LaunchModel::ObserveLaunch(const std::string& key, TimeMs ts, bool top_level) {
  Program& p = programs_[key];
  p.launches++;
  if (p.first_ts == 0) p.first_ts = p.daily_ts = ts;
  if (!top_level) {
    p.last_ts = ts;
    Evict();
    return;
  }
  LearnDailyTime(p, ts);
  p.last_ts = ts;
  // This launch follows every recent one within the horizon (once per recent launch).
  std::erase_if(recent_, [&](const Recent& r) { return ts - r.ts > limits_.follow_horizon_ms; });
  for (Recent& r : recent_) {
    if (std::find(r.followed.begin(), r.followed.end(), key) != r.followed.end()) continue;
    auto src = programs_.find(r.key);
    if (src == programs_.end()) continue;
    AddLink(src->second.followers, key, ts - r.ts);
    Bound(src->second.followers);
    r.followed.push_back(key);
  }
  // Decay this program's followers: their shares are of its recent launches, this one included.
  for (auto& [k, l] : p.followers) l.weight *= static_cast<float>(limits_.decay);
  p.follow_runs = p.follow_runs * static_cast<float>(limits_.decay) + 1;
  recent_.push_back({key, ts, {}});
  if (recent_.size() > limits_.max_recent) recent_.erase(recent_.begin());
  Evict();
}

void LaunchModel::ObserveChildren(const std::string& parent,
                                  const std::vector<std::pair<std::string, TimeMs>>& children) {
  auto it = programs_.find(parent);
  if (it == programs_.end()) return;
  Program& p = it->second;
  for (auto& [k, l] : p.children) l.weight *= static_cast<float>(limits_.decay);
  p.child_runs = p.child_runs * static_cast<float>(limits_.decay) + 1;
  std::vector<std::string> seen;
  for (const auto& [child, delay] : children) {
    if (std::find(seen.begin(), seen.end(), child) != seen.end()) continue;  // once per launch
    seen.push_back(child);
    AddLink(p.children, child, delay);
  }
  Bound(p.children);
}

void LaunchModel::Evict() {
  while (programs_.size() > limits_.max_programs) {
    auto oldest = std::min_element(programs_.begin(), programs_.end(),
                                   [](const auto& a, const auto& b) { return a.second.last_ts < b.second.last_ts; });
    std::string key = oldest->first;
    programs_.erase(oldest);
    std::erase_if(recent_, [&](const Recent& r) { return r.key == key; });
  }
}

std::vector<LaunchPrediction> LaunchModel::Children(const std::string& parent, double min_probability) const {
  std::vector<LaunchPrediction> out;
  auto it = programs_.find(parent);
  if (it == programs_.end() || it->second.child_runs <= 0) return out;
  const Program& p = it->second;
  for (const auto& [key, l] : p.children) {
    double prob = std::min(1.0, static_cast<double>(l.weight) / p.child_runs);
    if (prob < min_probability) continue;
    out.push_back({key, prob, static_cast<TimeMs>(std::lround(l.delay_ms)),
                   fmt::format("started by {} in {:.0f}% of its recent launches, {:.0f} ms after it", parent,
                               100 * prob, l.delay_ms)});
  }
  SortByProbability(out);
  return out;
}

double LaunchModel::Lateness(TimeMs delay) const {
  const double grace = static_cast<double>(std::max<TimeMs>(limits_.overdue_grace_ms, 1));
  const double late = static_cast<double>(-delay) - grace;
  return late > 0 ? std::exp(-late / grace) : 1.0;
}

std::vector<LaunchPrediction> LaunchModel::Next(TimeMs now, double min_probability) const {
  struct Candidate {
    double follow = 0, daily = 0;
    TimeMs delay = 0;
    std::string follow_why, daily_why;
  };
  std::map<std::string, Candidate> cands;
  for (const Recent& r : recent_) {
    if (now - r.ts > limits_.follow_horizon_ms || now < r.ts) continue;
    auto src = programs_.find(r.key);
    if (src == programs_.end()) continue;
    // The share among the source's launches whose horizon has passed: its latest launch (this
    // one, when it is the latest) has no outcome yet.
    double runs = src->second.follow_runs - (src->second.last_ts == r.ts ? 1.0 : 0.0);
    if (runs <= 0) continue;
    for (const auto& [key, l] : src->second.followers) {
      if (std::find(r.followed.begin(), r.followed.end(), key) != r.followed.end()) continue;  // it came
      const TimeMs delay = static_cast<TimeMs>(l.delay_ms) - (now - r.ts);  // < 0: overdue
      const double share = std::min(1.0, static_cast<double>(l.weight) / runs);
      const double prob = share * Lateness(delay);
      Candidate& c = cands[key];
      if (prob <= c.follow) continue;
      c.follow = prob;
      c.delay = delay;
      c.follow_why = fmt::format("follows {} in {:.0f}% of its recent launches, {:.0f} s after it", r.key,
                                 100 * share, l.delay_ms / 1000.0);
      if (prob < share) c.follow_why += fmt::format(" (now {:.0f} s late)", -delay / 1000.0);
    }
  }
  const double now_minute = MinuteOfDay(now);
  const double ahead = static_cast<double>(limits_.follow_horizon_ms) / kMsPerMinute;
  const double tolerance = static_cast<double>(limits_.daily_tolerance_ms) / kMsPerMinute;
  for (const auto& [key, p] : programs_) {
    if (p.last_ts > 0 && now - p.last_ts < limits_.daily_tolerance_ms) continue;  // it just came
    for (const DailyTime& d : p.daily) {
      double until = std::fmod(d.minute - now_minute + 1440.0, 1440.0);  // minutes to the time
      if (until > ahead && until < 1440 - tolerance) continue;  // neither due soon nor just due
      double prob = DailyProbability(p, d, now);
      Candidate& c = cands[key];
      if (prob <= c.daily) continue;
      c.daily = prob;
      if (c.follow == 0) c.delay = until > ahead ? 0 : static_cast<TimeMs>(until * kMsPerMinute);
      int m = static_cast<int>(d.minute);
      c.daily_why = fmt::format("launched at {:02d}:{:02d} UTC on {:.0f}% of recent days", m / 60, m % 60,
                                100 * prob);
    }
  }
  std::vector<LaunchPrediction> out;
  for (auto& [key, c] : cands) {
    double prob = 1 - (1 - c.follow) * (1 - c.daily);  // either reason suffices (noisy-or)
    if (prob < min_probability) continue;
    std::string why = c.follow_why;
    if (!c.daily_why.empty()) why += (why.empty() ? "" : "; ") + c.daily_why;
    out.push_back({key, prob, c.delay, why});
  }
  SortByProbability(out);
  return out;
}

uint64_t LaunchModel::launches(const std::string& key) const {
  auto it = programs_.find(key);
  return it == programs_.end() ? 0 : it->second.launches;
}

std::string LaunchModel::Save() const {
  ByteWriter w;
  w.PutRaw(kMagic);
  w.PutVarint(programs_.size());
  auto links = [&](const std::map<std::string, Link>& m) {
    w.PutVarint(m.size());
    for (const auto& [k, l] : m) {
      w.PutString(k);
      w.PutFloat(l.weight);
      w.PutFloat(l.delay_ms);
    }
  };
  for (const auto* entry : SortedEntries(programs_)) {
    const auto& [key, p] = *entry;
    w.PutString(key);
    w.PutVarint(p.launches);
    w.PutSignedVarint(p.last_ts);
    w.PutFloat(p.follow_runs);
    w.PutFloat(p.child_runs);
    links(p.followers);
    links(p.children);
    w.PutVarint(p.daily.size());
    for (const DailyTime& d : p.daily) {
      w.PutFloat(d.minute);
      w.PutFloat(d.weight);
    }
    w.PutSignedVarint(p.daily_ts);
    w.PutSignedVarint(p.first_ts);
  }
  return w.Take();
}

Status LaunchModel::Load(std::string_view bytes) {
  *this = LaunchModel(limits_);
  ByteReader r(bytes);
  auto corrupt = [this](const std::string& what) {
    *this = LaunchModel(limits_);
    return Status::Corrupt("launch model: " + what);
  };
  auto finite = [](float v) { return std::isfinite(v) && v >= 0; };
  auto links = [&](std::map<std::string, Link>& m) {
    uint64_t n = 0;
    if (!r.GetBounded(limits_.max_links, &n)) return false;
    for (uint64_t i = 0; i < n; ++i) {
      std::string k;
      Link l;
      if (!r.GetString(&k) || !r.GetFloat(&l.weight) || !r.GetFloat(&l.delay_ms) || !finite(l.weight) ||
          !finite(l.delay_ms))
        return false;
      m[k] = l;
    }
    return true;
  };
  uint64_t n = 0;
  if (!r.Expect(kMagic)) return corrupt("not a saved launch model");
  if (!r.GetBounded(limits_.max_programs, &n)) return corrupt("bad program count");
  for (uint64_t i = 0; i < n; ++i) {
    std::string key;
    Program p;
    if (!r.GetString(&key) || !r.GetVarint(&p.launches) || !r.GetSignedVarint(&p.last_ts) ||
        !r.GetFloat(&p.follow_runs) || !r.GetFloat(&p.child_runs) || !finite(p.follow_runs) ||
        !finite(p.child_runs) || !links(p.followers) || !links(p.children))
      return corrupt("truncated program");
    uint64_t daily = 0;
    if (!r.GetBounded(limits_.max_daily_times, &daily)) return corrupt("bad daily times of " + key);
    for (uint64_t j = 0; j < daily; ++j) {
      DailyTime d;
      if (!r.GetFloat(&d.minute) || !r.GetFloat(&d.weight) || !finite(d.weight) || !(d.minute >= 0) ||
          d.minute >= 1440)
        return corrupt("bad daily time of " + key);
      p.daily.push_back(d);
    }
    if (!r.GetSignedVarint(&p.daily_ts) || !r.GetSignedVarint(&p.first_ts)) return corrupt("truncated program");
    programs_[key] = std::move(p);
  }
  if (!r.done()) return corrupt("trailing bytes");
  return Status::Ok();
}

}  // namespace hostmind
