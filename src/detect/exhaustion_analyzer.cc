#include "detect/exhaustion_analyzer.h"

#include <algorithm>
#include <cmath>

#include "core/metric_catalog.h"
#include "detect/forecast_text.h"

namespace hostmind {

namespace {

constexpr TimeMs kRepeatEvery = kMsPerHour;
constexpr TimeMs kMinHistory = 6 * kMsPerHour;
// A resource not seen for this long is gone (an exited process, an unmounted filesystem): it is
// dropped rather than served with a stale forecast.
constexpr TimeMs kForgetAfter = 30 * kMsPerMinute;

// A forecast worth an alert rests on 6 h of history or half the time it predicts (a disk filling
// within the hour is urgent), and is sure of itself: its 90% interval is closed and spans at most
// 4x. Early on, a daily swing looks like a trend; its interval gives it away.
bool Confident(const ExhaustionForecast& f) {
  if (f.history < std::min(kMinHistory, f.eta / 2)) return false;
  return f.eta == 0 || (f.eta_high >= 0 && f.eta_high <= 4 * std::max<TimeMs>(f.eta_low, 1));
}

bool IsLeakKind(const std::string& resource) { return resource == "process" || resource == "cgroup"; }

std::string Rate(const std::string& resource, double per_hour) {
  return (resource == "inodes" ? FormatCount(per_hour) + " inodes" : FormatBytes(per_hour)) + "/h";
}

std::string Amount(const std::string& resource, double v) {
  return resource == "inodes" ? FormatCount(v) + " inodes" : FormatBytes(v);
}

std::string Summary(const ResourceForecast& r) {
  const ExhaustionForecast& f = r.forecast;
  const std::string since = " since " + FormatClockTime(f.since);
  const std::string rate = Rate(r.resource, f.rate_per_hour);
  if (f.eta == 0 && r.resource == "filesystem") return r.subject + " is full, growing " + rate + since;
  if (r.resource == "filesystem") return r.subject + " will be full in " + FormatEta(f) + ", growing " + rate + since;
  if (r.resource == "inodes") return r.subject + " will run out of inodes in " + FormatEta(f) + ", using " + rate + since;
  if (r.resource == "memory")
    return "memory will run out in " + FormatEta(f) + ": use grows " + rate + since + ", " +
           FormatBytes(r.limit - r.used) + " available";
  if (r.resource == "swap") return "swap will be full in " + FormatEta(f) + ", growing " + rate + since;
  const std::string who = r.resource == "process" ? r.subject : "cgroup " + r.subject;
  const std::string limit_name = r.resource == "cgroup" && r.limit > 0 ? "its memory limit" : "the host's memory";
  std::string s = who + " leaks memory: +" + rate + since + ", now " + FormatBytes(r.used) + "; ";
  if (f.eta >= 0) return s + "it reaches " + limit_name + " (" + FormatBytes(r.limit) + ") in " + FormatEta(f);
  return s + limit_name + " (" + FormatBytes(r.limit) + ") is more than 90 days away at this rate";
}

// "{"mountpoint":"/var"}" style lookups of one batch: name -> label value -> sample value.
using ByLabel = std::map<std::string, std::map<std::string, const Sample*>>;

ByLabel Index(const Batch& batch, const char* label) {
  ByLabel out;
  for (const Sample& s : batch.samples) {
    std::string_view v = s.key.label(label);
    if (!v.empty()) out[s.key.name()][std::string(v)] = &s;
  }
  return out;
}

const Sample* Get(const ByLabel& index, const std::string& name, const std::string& value) {
  auto n = index.find(name);
  if (n == index.end()) return nullptr;
  auto v = n->second.find(value);
  return v == n->second.end() ? nullptr : v->second;
}

const Sample* Plain(const Batch& batch, const char* name) {
  for (const Sample& s : batch.samples) {
    if (s.key.name() == name && s.key.labels().empty()) return &s;
  }
  return nullptr;
}

}  // namespace

ExhaustionAnalyzer::ExhaustionAnalyzer(ExhaustionOptions options) : options_(options) {
  DescribeMetric("hostmind_forecast_seconds_to_full", "Predicted seconds until the resource runs out (median), while it grows.");
  DescribeMetric("hostmind_forecast_growth_per_hour", "Growth of the resource's use per hour (robust trend).");
}

ExhaustionAnalyzer::Tracked& ExhaustionAnalyzer::Find(const std::string& key) {
  auto it = tracked_.find(key);
  if (it != tracked_.end()) return it->second;
  if (tracked_.size() >= options_.max_resources) {
    tracked_.erase(std::min_element(tracked_.begin(), tracked_.end(), [](const auto& a, const auto& b) {
      return a.second.view.updated < b.second.view.updated;
    }));
  }
  return tracked_[key];
}

void ExhaustionAnalyzer::Analyze(const Batch& batch, Analysis& out) {
  std::vector<std::string> updated;  // keys, for the derived series
  auto update = [&](const Reading& reading) {
    const std::string key = reading.resource + "|" + reading.subject;
    if (auto finding = Update(key, reading)) out.findings.push_back(*finding);
    updated.push_back(key);
  };

  const ByLabel fs = Index(batch, "mountpoint");
  if (auto sizes = fs.find("hostmind_filesystem_size_bytes"); sizes != fs.end()) {
    for (const auto& [mount, size] : sizes->second) {
      if (const Sample* avail = Get(fs, "hostmind_filesystem_avail_bytes", mount))
        update({"filesystem", mount, avail->key.id(), true, size->value - avail->value, size->value, size->ts});
      const Sample* inodes = Get(fs, "hostmind_filesystem_inodes", mount);
      const Sample* free = Get(fs, "hostmind_filesystem_inodes_free", mount);
      if (inodes && free && inodes->value > 0)
        update({"inodes", mount, free->key.id(), true, inodes->value - free->value, inodes->value, inodes->ts});
    }
  }
  const Sample* total = Plain(batch, "hostmind_memory_total_bytes");
  const Sample* available = Plain(batch, "hostmind_memory_available_bytes");
  if (total) host_memory_ = total->value;
  if (total && available)
    update({"memory", "memory", available->key.id(), true, total->value - available->value, total->value, total->ts});
  const Sample* swap_total = Plain(batch, "hostmind_swap_total_bytes");
  const Sample* swap_used = Plain(batch, "hostmind_swap_used_bytes");
  if (swap_total && swap_used && swap_total->value > 0)
    update({"swap", "swap", swap_used->key.id(), false, swap_used->value, swap_total->value, swap_used->ts});

  const ByLabel cgroups = Index(batch, "cgroup");
  for (const Sample& s : batch.samples) {
    if (s.key.name() == "hostmind_process_rss_bytes" && host_memory_ > 0) {
      const std::string subject = std::string(s.key.label("comm")) + " (pid " + std::string(s.key.label("pid")) + ")";
      update({"process", subject, s.key.id(), false, s.value, host_memory_, s.ts});
    } else if (s.key.name() == "hostmind_cgroup_memory_usage_bytes") {
      const std::string cg(s.key.label("cgroup"));
      const Sample* limit = Get(cgroups, "hostmind_cgroup_memory_limit_bytes", cg);
      const double l = limit ? limit->value : host_memory_;
      if (l > 0) update({"cgroup", cg, s.key.id(), false, s.value, l, s.ts});
    }
  }

  for (const std::string& key : updated) {
    auto it = tracked_.find(key);
    if (it == tracked_.end()) continue;  // evicted at the cap within this batch
    const ResourceForecast* view = &it->second.view;
    std::vector<Label> labels{{"resource", view->resource}, {"subject", view->subject}};
    out.samples.push_back({SeriesKey("hostmind_forecast_growth_per_hour", labels), view->forecast.rate_per_hour,
                           view->updated, MetricKind::kGauge});
    if (view->forecast.growing && view->forecast.eta >= 0) {
      out.samples.push_back({SeriesKey("hostmind_forecast_seconds_to_full", labels),
                             static_cast<double>(view->forecast.eta) / kMsPerSecond, view->updated, MetricKind::kGauge});
    }
  }
  if (updated.empty()) return;
  std::erase_if(tracked_, [&](const auto& entry) { return entry.second.view.updated < batch.ts - kForgetAfter; });
  std::vector<ResourceForecast> snapshot;
  for (const auto& [key, t] : tracked_) snapshot.push_back(t.view);
  std::sort(snapshot.begin(), snapshot.end(), [](const ResourceForecast& a, const ResourceForecast& b) {
    if (a.alert != b.alert) return a.alert > b.alert;
    const TimeMs ea = a.forecast.eta < 0 ? INT64_MAX : a.forecast.eta, eb = b.forecast.eta < 0 ? INT64_MAX : b.forecast.eta;
    return ea != eb ? ea < eb : a.subject < b.subject;
  });
  std::lock_guard lock(mu_);
  snapshot_ = std::move(snapshot);
}

std::optional<Finding> ExhaustionAnalyzer::Update(const std::string& key, const Reading& reading) {
  Tracked& t = Find(key);
  t.forecaster.Observe(reading.ts, reading.used);
  t.view.resource = reading.resource;
  t.view.subject = reading.subject;
  t.view.used = reading.used;
  t.view.limit = reading.limit;
  t.view.updated = reading.ts;
  t.view.series = reading.series;
  t.view.series_is_left = reading.series_is_left;
  t.view.forecast = t.forecaster.Forecast(reading.limit);
  return Judge(t, reading.series, reading.ts);
}

std::optional<Finding> ExhaustionAnalyzer::Judge(Tracked& t, const std::string& series, TimeMs ts) {
  const ExhaustionForecast& f = t.view.forecast;
  Severity severity = Severity::kInfo;
  if (IsLeakKind(t.view.resource)) {
    const TimeMs growing_for = ts - f.since;
    const double grown = f.rate_per_hour * static_cast<double>(growing_for) / kMsPerHour;
    if (f.growing && growing_for >= options_.leak_after && grown >= options_.leak_min_growth * f.level &&
        t.view.used >= options_.leak_min_bytes)
      severity = f.eta >= 0 && f.eta <= options_.critical ? Severity::kCritical : Severity::kWarning;
  } else if (f.growing && f.eta >= 0 && f.eta <= options_.horizon && Confident(f)) {
    severity = f.eta <= options_.critical ? Severity::kCritical : Severity::kWarning;
  }
  const Severity before = t.view.alert;
  t.view.alert = severity;
  if (severity == Severity::kInfo) return std::nullopt;
  if (severity <= before && ts - t.last_alert < kRepeatEvery) return std::nullopt;
  t.last_alert = ts;

  Finding finding;
  finding.ts = ts;
  finding.kind = IsLeakKind(t.view.resource) ? FindingKind::kLeak : FindingKind::kForecast;
  finding.severity = severity;
  finding.subject = t.view.subject;
  finding.summary = Summary(t.view);
  finding.score = f.eta >= 0 ? std::clamp(1.0 - static_cast<double>(f.eta) / options_.horizon, 0.0, 1.0) : 0.0;
  finding.evidence.push_back({series, 1.0,
                              "used " + Amount(t.view.resource, t.view.used) + " of " + Amount(t.view.resource, t.view.limit) +
                                  "; growth " + Rate(t.view.resource, f.rate_per_hour) + " (90%: " +
                                  Rate(t.view.resource, f.rate_low) + " to " + Rate(t.view.resource, f.rate_high) + ")"});
  finding.facts = {{"resource", t.view.resource},
                   {"eta_s", std::to_string(f.eta < 0 ? -1 : f.eta / kMsPerSecond)},
                   {"eta_low_s", std::to_string(f.eta_low < 0 ? -1 : f.eta_low / kMsPerSecond)},
                   {"eta_high_s", std::to_string(f.eta_high < 0 ? -1 : f.eta_high / kMsPerSecond)},
                   {"growth_per_hour", std::to_string(f.rate_per_hour)},
                   {"since", std::to_string(f.since)},
                   {"used", std::to_string(t.view.used)},
                   {"limit", std::to_string(t.view.limit)}};
  return finding;
}

std::vector<ForecastPoint> ForecastPath(const ResourceForecast& r, TimeMs ahead) {
  const ExhaustionForecast& f = r.forecast;
  std::vector<ForecastPoint> path;
  if (f.history <= 0 || ahead <= 0) return path;
  if (f.growing && f.eta >= 0) ahead = std::min(ahead, std::max<TimeMs>(f.eta, kMsPerMinute));
  constexpr int kPoints = 8;  // a straight trend: the points only carry the interval's spread
  for (int i = 0; i <= kPoints; ++i) {
    const TimeMs dt = ahead * i / kPoints;
    const double hours = static_cast<double>(dt) / kMsPerHour;
    auto used = [&](double rate) { return std::clamp(f.level + rate * hours, 0.0, r.limit > 0 ? r.limit : INFINITY); };
    ForecastPoint p{r.updated + dt, used(f.rate_per_hour), used(f.rate_low), used(f.rate_high)};
    if (r.series_is_left) p = {p.ts, r.limit - p.value, r.limit - p.high, r.limit - p.low};
    path.push_back(p);
  }
  return path;
}

std::vector<ResourceForecast> ExhaustionAnalyzer::Snapshot() const {
  std::lock_guard lock(mu_);
  return snapshot_;
}

}  // namespace hostmind
