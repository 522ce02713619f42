#include "detect/incident_grouper.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace hostmind {

namespace {

std::string Number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3g", v);
  return buf;
}

void Rank(std::vector<AnomalyOnset>& members) {
  std::stable_sort(members.begin(), members.end(), [](const AnomalyOnset& a, const AnomalyOnset& b) {
    return a.score != b.score ? a.score > b.score : a.ts < b.ts;
  });
}

}  // namespace

std::vector<Incident> IncidentGrouper::Add(const AnomalyOnset& onset) {
  std::vector<Incident> closed = Tick(onset.ts);
  if (open_.members.empty()) {
    open_ = Incident{};
    open_.id = next_id_++;
    open_.start = onset.ts;
  }
  open_.last = onset.ts;
  // One entry per series: a series that re-fires keeps its strongest onset.
  auto same = std::find_if(open_.members.begin(), open_.members.end(),
                           [&](const AnomalyOnset& m) { return m.series == onset.series; });
  if (same != open_.members.end()) {
    if (onset.score > same->score) *same = onset;
  } else {
    open_.members.push_back(onset);
  }
  Rank(open_.members);
  if (open_.members.size() > max_members_) open_.members.resize(max_members_);
  return closed;
}

std::vector<Incident> IncidentGrouper::Tick(TimeMs now) {
  std::vector<Incident> closed;
  if (!open_.members.empty() && now - open_.last > window_) {
    open_.open = false;
    closed.push_back(std::move(open_));
    open_ = Incident{};
  }
  return closed;
}

std::string DescribeOnset(const AnomalyOnset& onset) {
  const std::string what = onset.view == "value" ? "value" : onset.view == "mean" ? "short-term mean"
                           : onset.view == "volatility" ? "volatility"
                           : onset.view == "daily" ? "value for this time of day"
                           : onset.view == "recent" ? "mean of the last few values, against the last hours,"
                           : onset.view == "correlation" ? "the host's core metrics off their learned relation by"
                                                   : "value for this time of week";
  return what + " " + Number(onset.observed) + ", normal " + Number(onset.low) + " to " + Number(onset.high) +
         (onset.detail.empty() ? "" : "; " + onset.detail);
}

Finding AnomalyFinding(const AnomalyOnset& onset) {
  Finding f;
  f.ts = onset.ts;
  f.kind = FindingKind::kAnomaly;
  f.severity = Severity::kInfo;
  f.subject = onset.series;
  f.score = onset.score;
  f.summary = onset.series + " is anomalous: " + DescribeOnset(onset);
  f.evidence.push_back({onset.series, onset.score, DescribeOnset(onset)});
  f.facts = {{"view", onset.view}, {"observed", Number(onset.observed)}, {"low", Number(onset.low)},
             {"high", Number(onset.high)}};
  return f;
}

double IncidentSurprise(size_t members, double expected) {
  // 1 - P(X < members) for X ~ Poisson(expected), summed in a stable way.
  double term = std::exp(-expected), below = 0;
  for (size_t i = 0; i < members; ++i) {
    below += term;
    term *= expected / static_cast<double>(i + 1);
  }
  return std::max(0.0, 1.0 - below);
}

Finding IncidentFinding(const Incident& incident, double expected) {
  constexpr double kSignificant = 1e-3;
  const double surprise = IncidentSurprise(incident.members.size(), expected);
  Finding f;
  f.ts = incident.start;
  f.kind = FindingKind::kIncident;
  f.severity = incident.members.size() >= 3 && surprise < kSignificant ? Severity::kWarning : Severity::kInfo;
  f.score = incident.score();
  f.subject = incident.members.empty() ? "" : incident.members.front().series;
  const TimeMs spread = incident.last - incident.start;
  f.summary = std::to_string(incident.members.size()) + " series turned anomalous together at " +
              FormatClockTime(incident.start) + " (within " + FormatDuration(spread) + "; " + Number(expected) +
              " expected by chance), led by " + f.subject + ": " +
              (incident.members.empty() ? "" : DescribeOnset(incident.members.front()));
  for (const AnomalyOnset& m : incident.members) f.evidence.push_back({m.series, m.score, DescribeOnset(m)});
  f.facts = {{"incident", std::to_string(incident.id)},
             {"series", std::to_string(incident.members.size())},
             {"start", std::to_string(incident.start)},
             {"end", std::to_string(incident.last)},
             {"expected_by_chance", Number(expected)},
             {"chance_probability", Number(surprise)}};
  return f;
}

}  // namespace hostmind
