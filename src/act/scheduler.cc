#include "act/scheduler.h"

#include <algorithm>

namespace hostmind {
namespace {

constexpr TimeMs kResponseRatioBoundMs = 10 * kMsPerSecond;

const std::vector<SchedulingPolicy>& Policies() {
  using Q = QueueOrder;
  using R = RuntimeSource;
  static const std::vector<SchedulingPolicy> policies = {
      {"fcfs", Q::kFcfs, false, Q::kFcfs, R::kUserLimit},
      {"sjf", Q::kShortestFirst, false, Q::kFcfs, R::kUserLimit},
      {"easy", Q::kFcfs, true, Q::kFcfs, R::kUserLimit},
      {"sjf-easy", Q::kShortestFirst, true, Q::kFcfs, R::kUserLimit},
      {"easy-sjbf", Q::kFcfs, true, Q::kShortestFirst, R::kUserLimit},
      {"easy-predicted", Q::kFcfs, true, Q::kShortestFirst, R::kPrediction},
      {"sjf-predicted", Q::kShortestFirst, true, Q::kShortestFirst, R::kPrediction},
      {"hrrn-predicted", Q::kResponseRatio, true, Q::kShortestFirst, R::kPrediction},
  };
  return policies;
}

}  // namespace

Result<SchedulingPolicy> PolicyByName(std::string_view name) {
  for (const auto& p : Policies())
    if (p.name == name) return p;
  std::string known;
  for (const auto& n : PolicyNames()) known += (known.empty() ? "" : ", ") + n;
  return Status::InvalidArgument("unknown scheduling policy '" + std::string(name) + "' (known: " + known + ")");
}

const std::vector<std::string>& PolicyNames() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> n;
    for (const auto& p : Policies()) n.push_back(p.name);
    return n;
  }();
  return names;
}

Scheduler::Scheduler(SchedulingPolicy policy, Resources capacity, TimeMs default_limit_ms)
    : policy_(std::move(policy)), capacity_(capacity), default_limit_ms_(default_limit_ms) {}

TimeMs Scheduler::PlannedRuntime(const SchedJob& job) const {
  const TimeMs limit = KillLimit(job);
  if (policy_.runtime == RuntimeSource::kPrediction && job.predicted_ms > 0) return std::min(job.predicted_ms, limit);
  return limit;
}

TimeMs Scheduler::PlannedHold(const SchedJob& job) const {
  if (policy_.runtime == RuntimeSource::kPrediction && job.predicted_ms > 0)
    return std::min(std::max(job.upper_ms, job.predicted_ms), KillLimit(job));
  return KillLimit(job);
}

TimeMs Scheduler::ExpectedEnd(const SchedJob& job, TimeMs now) const {
  const TimeMs limit_end = job.start_ts + KillLimit(job);
  const TimeMs end = job.start_ts + PlannedHold(job);
  if (end > now || end == limit_end) return end;
  // Outlived its upper bound: expect it to run as long again as it has so far.
  const TimeMs elapsed = std::max<TimeMs>(now - job.start_ts, 1);
  return std::min(job.start_ts + 2 * elapsed, limit_end);
}

void Scheduler::Order(std::vector<const SchedJob*>& out, QueueOrder order, TimeMs now) const {
  auto by_submission = [](const SchedJob* a, const SchedJob* b) {
    return a->submit_ts != b->submit_ts ? a->submit_ts < b->submit_ts : a->id < b->id;
  };
  if (order == QueueOrder::kFcfs) {
    if (!std::is_sorted(out.begin(), out.end(), by_submission)) std::sort(out.begin(), out.end(), by_submission);
  } else if (order == QueueOrder::kResponseRatio) {
    // The slowdown each job would have if it started now; the bound keeps a 1 s job from
    // outranking everything after a moment's wait, as in the bounded-slowdown metric.
    auto ratio = [&](const SchedJob* j) {
      const double run = static_cast<double>(std::max(PlannedRuntime(*j), kResponseRatioBoundMs));
      return (static_cast<double>(std::max<TimeMs>(now - j->submit_ts, 0)) + run) / run;
    };
    std::vector<std::pair<double, const SchedJob*>> ranked;
    ranked.reserve(out.size());
    for (const SchedJob* j : out) ranked.emplace_back(ratio(j), j);
    std::sort(ranked.begin(), ranked.end(), [&](const auto& a, const auto& b) {
      return a.first != b.first ? a.first > b.first : by_submission(a.second, b.second);
    });
    for (size_t i = 0; i < out.size(); ++i) out[i] = ranked[i].second;
  } else {
    std::sort(out.begin(), out.end(), [&](const SchedJob* a, const SchedJob* b) {
      const TimeMs ra = PlannedRuntime(*a), rb = PlannedRuntime(*b);
      return ra != rb ? ra < rb : by_submission(a, b);
    });
  }
}

SchedDecision Scheduler::Decide(TimeMs now, std::span<const SchedJob> queue, std::span<const SchedJob> running) const {
  SchedDecision d;
  Resources free = capacity_;
  struct Release {
    TimeMs end;
    Resources res;
  };
  std::vector<Release> releases;
  releases.reserve(running.size() + queue.size());
  // A planned end short of the kill limit can pass with the job still running: review then.
  auto plan_end = [&](TimeMs end, TimeMs limit_end, const Resources& res) {
    releases.push_back({end, res});
    if (end < limit_end) d.next_review = std::min(d.next_review, std::max(end, now + 1));
  };
  for (const auto& r : running) {
    free -= r.need;
    plan_end(ExpectedEnd(r, now), r.start_ts + KillLimit(r), r.need);
  }
  auto start = [&](const SchedJob& j) {
    d.start.push_back(j.id);
    free -= j.need;
    plan_end(now + PlannedHold(j), now + KillLimit(j), j.need);
  };

  std::vector<const SchedJob*> ordered;
  ordered.reserve(queue.size());
  for (const auto& j : queue) ordered.push_back(&j);
  Order(ordered, policy_.order, now);
  size_t i = 0;
  for (; i < ordered.size(); ++i) {
    const SchedJob& j = *ordered[i];
    if (!j.need.FitsIn(capacity_)) continue;  // can never run; must not block the queue
    if (!j.need.FitsIn(free)) break;
    start(j);
  }
  if (i == ordered.size() || !policy_.backfill) return d;

  // The head's reservation ("shadow time"): when enough of the running jobs will have ended,
  // and what it leaves spare ("extra") for jobs that run past that time.
  const SchedJob& head = *ordered[i];
  std::sort(releases.begin(), releases.end(), [](const Release& a, const Release& b) { return a.end < b.end; });
  Resources avail = free;
  Resources extra;
  for (const auto& rel : releases) {
    avail += rel.res;
    if (head.need.FitsIn(avail)) {
      d.reservation_ts = std::max(rel.end, now);
      extra = avail;
      extra -= head.need;
      break;
    }
  }
  d.reserved_job = head.id;

  std::vector<const SchedJob*> candidates(ordered.begin() + i + 1, ordered.end());
  if (policy_.backfill_order != policy_.order) Order(candidates, policy_.backfill_order, now);
  for (const SchedJob* c : candidates) {
    if (!c->need.FitsIn(capacity_) || !c->need.FitsIn(free)) continue;
    if (now + PlannedRuntime(*c) <= d.reservation_ts) {
      start(*c);
      ++d.backfilled;
    } else if (c->need.FitsIn(extra)) {
      start(*c);
      extra -= c->need;
      ++d.backfilled;
    }
  }
  return d;
}

}  // namespace hostmind
