#pragma once
// The job scheduler's decision: which waiting jobs start now. One pure function of the queue,
// the running jobs and the time, so the trace simulator (virtual clock) and the live job queue
// (real clock) run exactly the same code.
//
// Policies:
//   fcfs            first come, first served; the head waits until it fits, nothing passes it
//   sjf             shortest user estimate first; no backfilling
//   easy            FCFS with EASY backfilling on the users' estimates (Mu'alem & Feitelson):
//                   the head gets a reservation at the earliest time it fits; a later job may
//                   start now if it fits and either ends before that time or uses only CPUs
//                   the head will not need
//   sjf-easy        shortest estimate first, with EASY backfilling
//   easy-sjbf       EASY, backfill candidates tried shortest estimate first
//   easy-predicted  EASY with predicted run times, Tsafrir-style (EASY++): a candidate may
//                   backfill if its *predicted* run time ends before the head's reservation,
//                   candidates are tried shortest prediction first, the user's limit stays the
//                   kill limit, and running jobs' under-predictions are corrected (below)
//   sjf-predicted   shortest *predicted* run time first, with the same predicted backfilling:
//                   sjf-easy with predictions in place of the users' estimates
//   hrrn-predicted  highest *predicted* response ratio first ((wait + run) / run, the run
//                   floored at the 10 s slowdown bound), with the same predicted backfilling:
//                   short jobs go first, as under sjf-predicted, but a waiting job's ratio
//                   grows with its wait, so a long job is not passed forever (Brinch Hansen's
//                   HRRN; the head still holds EASY's reservation)
//
// With predictions, the head's reservation plans each running job to hold its CPUs until the
// prediction's upper quantile (a reservation planned on the median would be wrong half the
// time, and every backfilled job then delays the head: measured on the Lublin-2 trace, planning
// on the median made easy-predicted worse, 91.1 vs 60.6 in the RLScheduler protocol).
// Under-prediction correction: once a running job outlives that bound, it is expected to run as
// long again as it has so far (start + 2 x elapsed), re-evaluated as it keeps running, never
// past the kill limit.
#include <cstdint>
#include <limits>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/status.h"

namespace hostmind {

inline constexpr TimeMs kNever = std::numeric_limits<TimeMs>::max();

// CPUs and memory; memory 0 everywhere means it is not scheduled.
struct Resources {
  double cpus = 0;
  uint64_t mem_bytes = 0;
  bool FitsIn(const Resources& free) const { return cpus <= free.cpus + 1e-9 && mem_bytes <= free.mem_bytes; }
  Resources& operator+=(const Resources& o) {
    cpus += o.cpus;
    mem_bytes += o.mem_bytes;
    return *this;
  }
  Resources& operator-=(const Resources& o) {
    cpus -= o.cpus;
    mem_bytes = mem_bytes >= o.mem_bytes ? mem_bytes - o.mem_bytes : 0;
    return *this;
  }
};

struct SchedJob {
  uint64_t id = 0;
  TimeMs submit_ts = 0;
  Resources need;
  TimeMs limit_ms = 0;      // the user's limit (the kill limit); 0 = the scheduler's default
  TimeMs predicted_ms = 0;  // the predictor's run time, <= limit; 0 = none (use the limit)
  TimeMs upper_ms = 0;      // the prediction's upper quantile; 0 = none
  TimeMs start_ts = -1;     // set once running
};

enum class QueueOrder { kFcfs, kShortestFirst, kResponseRatio };
enum class RuntimeSource { kUserLimit, kPrediction };

struct SchedulingPolicy {
  std::string name;
  QueueOrder order = QueueOrder::kFcfs;
  bool backfill = false;
  QueueOrder backfill_order = QueueOrder::kFcfs;
  RuntimeSource runtime = RuntimeSource::kUserLimit;
};

Result<SchedulingPolicy> PolicyByName(std::string_view name);
// Every policy name, in the order reports list them.
const std::vector<std::string>& PolicyNames();

struct SchedDecision {
  std::vector<uint64_t> start;       // in the order they were chosen
  size_t backfilled = 0;             // how many of `start` passed a waiting head
  uint64_t reserved_job = 0;         // the head holding a reservation; 0 = none
  TimeMs reservation_ts = kNever;    // when the head is expected to start
  // When this decision may change with no job arriving or ending (a running job outlives its
  // expected end); kNever when it cannot.
  TimeMs next_review = kNever;
};

class Scheduler {
 public:
  // `default_limit_ms` stands in for a job without a limit (the queue's maximum run time).
  Scheduler(SchedulingPolicy policy, Resources capacity, TimeMs default_limit_ms);

  // `queue` is in submission order; `running` holds start_ts. Jobs needing more than the
  // capacity are never started (the queue refuses them at submission).
  SchedDecision Decide(TimeMs now, std::span<const SchedJob> queue, std::span<const SchedJob> running) const;

  // The run time this policy judges a waiting job by (ordering, backfill).
  TimeMs PlannedRuntime(const SchedJob& job) const;
  // How long this policy expects a job, once started, to hold its resources.
  TimeMs PlannedHold(const SchedJob& job) const;
  // When this policy expects running `job` to end, seen at `now` (corrected if it overran).
  TimeMs ExpectedEnd(const SchedJob& job, TimeMs now) const;
  // The kill limit of `job`.
  TimeMs KillLimit(const SchedJob& job) const { return job.limit_ms > 0 ? job.limit_ms : default_limit_ms_; }

  const SchedulingPolicy& policy() const { return policy_; }
  const Resources& capacity() const { return capacity_; }

 private:
  // Sorts `jobs` by `order` as seen at `now`; ties go to the earlier submission.
  void Order(std::vector<const SchedJob*>& jobs, QueueOrder order, TimeMs now) const;

  SchedulingPolicy policy_;
  Resources capacity_;
  TimeMs default_limit_ms_;
};

}  // namespace hostmind
