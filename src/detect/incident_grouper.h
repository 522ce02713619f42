#pragma once
// IncidentGrouper: anomalies that start together are one incident. Each series' anomaly onset
// joins the open incident when it starts within `window` of the incident's latest onset, else it
// opens a new one; an incident closes once `window` passes with no new onset. The members are
// ranked (highest score first, then earliest onset): the explanation a person reads first.
#include <cstdint>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/finding.h"

namespace hostmind {

// One series turning anomalous.
struct AnomalyOnset {
  TimeMs ts = 0;
  std::string series;  // series id
  double score = 0;
  std::string view;    // the detector's view that scored ("value", "mean", ...)
  double observed = 0;
  double low = 0;      // the view's normal band, in the series' units
  double high = 0;
  std::string detail;  // more of the why, when the view has it (the correlation view: which series)
};

struct Incident {
  uint64_t id = 0;  // 1, 2, ... in the order incidents opened
  TimeMs start = 0;
  TimeMs last = 0;  // latest onset
  bool open = true;
  std::vector<AnomalyOnset> members;  // ranked

  double score() const { return members.empty() ? 0 : members.front().score; }
};

class IncidentGrouper {
 public:
  IncidentGrouper(TimeMs window, size_t max_members) : window_(window), max_members_(max_members) {}

  // Adds an onset (onsets arrive in time order); returns incidents it closed.
  std::vector<Incident> Add(const AnomalyOnset& onset);
  // Closes the open incident if `window` has passed since its last onset.
  std::vector<Incident> Tick(TimeMs now);

  const Incident* open() const { return open_.members.empty() ? nullptr : &open_; }

 private:
  TimeMs window_;
  size_t max_members_;  // larger incidents keep their highest-scoring members
  Incident open_;
  uint64_t next_id_ = 1;
};

// How surprising `members` onsets within one window are when `expected` happen by chance (the
// host's usual rate of onsets times the window): the Poisson probability of at least that many.
double IncidentSurprise(size_t members, double expected);

// The finding for an incident: a warning when 3+ series take part and that many is unlikely by
// chance (IncidentSurprise below 1e-3), else info. `expected` is the chance count.
Finding IncidentFinding(const Incident& incident, double expected);
// The finding for one series' anomaly (kAnomaly, info: it reaches alerts through its incident).
Finding AnomalyFinding(const AnomalyOnset& onset);
// "value 97, normal 12-30" in a series' units (3 significant digits).
std::string DescribeOnset(const AnomalyOnset& onset);

}  // namespace hostmind
