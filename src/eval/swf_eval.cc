#include "eval/swf_eval.h"

#include <algorithm>
#include <cmath>
#include <random>

namespace hostmind {
namespace {

std::string IdOrEmpty(int64_t v) { return v < 0 ? std::string() : std::to_string(v); }

// The simulator takes jobs in submission order; stable, so equal times keep the trace's order.
void SortBySubmission(std::vector<SimJob>& jobs) {
  std::stable_sort(jobs.begin(), jobs.end(), [](const SimJob& a, const SimJob& b) { return a.submit_ts < b.submit_ts; });
}

TimeMs SecondsToMs(double s) { return static_cast<TimeMs>(std::llround(s * 1000.0)); }

// min(p, a) / max(p, a) with both at least one second.
double Accuracy(TimeMs predicted_ms, TimeMs actual_ms) {
  const double p = std::max<double>(predicted_ms, 1000), a = std::max<double>(actual_ms, 1000);
  return std::min(p, a) / std::max(p, a);
}

}  // namespace

Result<SwfWorkload> BuildWorkload(const SwfTrace& trace, SwfConventions conventions, double cpus) {
  SwfWorkload w;
  const bool rl = conventions == SwfConventions::kRlScheduler;
  double machine = cpus;
  if (machine <= 0) machine = static_cast<double>(trace.header.max_procs > 0 ? trace.header.max_procs : trace.header.max_nodes);
  if (machine <= 0)
    for (const auto& j : trace.jobs) machine = std::max<double>(machine, std::max(j.alloc_procs, j.req_procs));
  if (machine <= 0) return Status::InvalidArgument(trace.origin + ": no machine size (MaxProcs) and no job sizes");
  w.capacity.cpus = machine;
  w.utc_offset_s = static_cast<int>(trace.header.time_zone_s);

  double longest_s = trace.header.max_runtime_s;
  std::vector<const SwfJob*> kept;
  for (const auto& j : trace.jobs) {
    double run_s = j.run_s;
    int64_t procs = j.alloc_procs > 0 ? j.alloc_procs : j.req_procs;
    if (rl) {
      if (run_s < 0) run_s = 10;
      procs = std::max(j.alloc_procs, j.req_procs);
    }
    if (run_s < 0 || (rl && run_s == 0) || procs <= 0) {
      ++w.dropped_unknown_runtime;
      continue;
    }
    if (procs > machine) {
      ++w.dropped_too_large;
      continue;
    }
    if (trace.header.max_runtime_s <= 0) longest_s = std::max({longest_s, run_s, j.req_time_s});
    SimJob s;
    s.id = static_cast<uint64_t>(std::max<int64_t>(j.id, 0));
    s.submit_ts = SecondsToMs(trace.header.unix_start_time + j.submit_s);
    s.runtime_ms = SecondsToMs(run_s);
    if (j.req_time_s > 0) {
      s.estimate_ms = SecondsToMs(j.req_time_s);
      ++w.with_estimate;
    } else if (rl) {
      s.estimate_ms = s.runtime_ms;
    }
    s.need.cpus = static_cast<double>(procs);
    RunRequest& r = s.request;
    r.user = IdOrEmpty(j.user);
    r.group = IdOrEmpty(j.group);
    r.command = IdOrEmpty(j.executable);
    r.queue = IdOrEmpty(j.queue) + "/" + IdOrEmpty(j.partition);
    r.cpus = s.need.cpus;
    r.mem_bytes = j.req_mem_kb > 0 ? static_cast<uint64_t>(j.req_mem_kb * 1024 * procs) : 0;
    r.estimate_ms = s.estimate_ms;
    r.submit_ts = s.submit_ts;
    w.jobs.push_back(std::move(s));
  }
  w.default_limit_ms = std::max<TimeMs>(SecondsToMs(longest_s), 1000);
  for (auto& s : w.jobs) {
    s.limit_ms = s.estimate_ms > 0 ? s.estimate_ms : w.default_limit_ms;
    if (s.limit_ms < s.runtime_ms) {
      s.limit_ms = s.runtime_ms;
      ++w.raised_limits;
    }
  }
  SortBySubmission(w.jobs);
  if (w.jobs.empty()) return Status::InvalidArgument(trace.origin + ": no usable jobs");
  return w;
}

void UseExactPredictions(SwfWorkload& workload) {
  for (SimJob& j : workload.jobs) j.predicted_ms = j.upper_ms = std::max<TimeMs>(j.runtime_ms, 1);
  workload.exact_predictions = true;
}

void JitterSubmissions(SwfWorkload& workload, uint64_t seed, TimeMs max_shift_ms) {
  if (workload.jobs.empty() || max_shift_ms <= 0) return;
  const TimeMs first = workload.jobs.front().submit_ts;
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<TimeMs> shift(-max_shift_ms, max_shift_ms);
  for (SimJob& j : workload.jobs) {
    j.submit_ts = std::max(first, j.submit_ts + shift(rng));
    j.request.submit_ts = j.submit_ts;
  }
  SortBySubmission(workload.jobs);
}

SchedMetrics ScoreSchedule(const SimResult& result, const Resources& capacity, TimeMs bound_ms) {
  SchedMetrics m;
  m.jobs = result.jobs.size();
  m.backfilled = result.backfilled;
  if (m.jobs == 0) return m;
  double bsld = 0, wait = 0, work = 0;
  TimeMs first = kNever, last = 0;
  for (const auto& j : result.jobs) {
    const double w = static_cast<double>(j.start_ts - j.submit_ts);
    const double run = static_cast<double>(j.runtime_ms);
    bsld += std::max(1.0, (w + run) / std::max<double>(run, bound_ms));
    wait += w / 1000.0;
    m.max_wait_s = std::max(m.max_wait_s, w / 1000.0);
    work += run / 1000.0 * j.cpus;
    first = std::min(first, j.submit_ts);
    last = std::max(last, j.end_ts);
  }
  m.avg_bounded_slowdown = bsld / m.jobs;
  m.mean_wait_s = wait / m.jobs;
  const double span_s = (last - first) / 1000.0;
  m.utilisation = span_s > 0 && capacity.cpus > 0 ? work / (capacity.cpus * span_s) : 0;
  return m;
}

std::vector<PredictionQuality> ScorePredictions(const SimResult& result) {
  std::vector<PredictionQuality> out(5);
  out[0].predictor = "user-estimate";
  out[1].predictor = "last-2";
  out[2].predictor = "gbdt";
  out[3].predictor = "history-rule";
  out[4].predictor = "gbdt-at-start";
  size_t covered = 0, by_model = 0;
  auto add = [](PredictionQuality& q, TimeMs predicted, TimeMs actual) {
    ++q.jobs;
    q.mae_s += std::abs(static_cast<double>(predicted - actual)) / 1000.0;
    q.accuracy += Accuracy(predicted, actual);
    q.under_fraction += predicted < actual ? 1 : 0;
  };
  for (const auto& j : result.jobs) {
    if (j.estimate_ms > 0) add(out[0], j.estimate_ms, j.runtime_ms);
    add(out[1], j.last2_ms, j.runtime_ms);
    add(out[2], j.predicted_ms, j.runtime_ms);
    add(out[3], j.history_ms, j.runtime_ms);
    add(out[4], j.start_predicted_ms, j.runtime_ms);
    covered += j.runtime_ms <= j.upper_ms ? 1 : 0;
    by_model += j.source == PredictionSource::kModel ? 1 : 0;
  }
  for (auto& q : out) {
    if (q.jobs == 0) continue;
    q.mae_s /= q.jobs;
    q.accuracy /= q.jobs;
    q.under_fraction /= q.jobs;
  }
  if (out[2].jobs) {
    out[2].upper_coverage = static_cast<double>(covered) / out[2].jobs;
    out[2].model_fraction = static_cast<double>(by_model) / out[2].jobs;
  }
  return out;
}

namespace {

// One sequence under one policy; a prediction policy starts its online predictor from `state`.
Result<double> SequenceSlowdown(const SwfWorkload& workload, size_t start, size_t length,
                                const SchedulingPolicy& policy, const RuntimePredictorOptions& predictor,
                                const std::string& state) {
  SimOptions sim;
  sim.policy = policy;
  sim.capacity = workload.capacity;
  sim.default_limit_ms = workload.default_limit_ms;
  sim.predict = policy.runtime == RuntimeSource::kPrediction && !workload.exact_predictions;
  sim.predictor = predictor;
  sim.predictor_state = state;
  auto result = Simulate(std::span(workload.jobs).subspan(start, length), sim);
  if (!result.ok()) return result.status();
  return ScoreSchedule(*result, workload.capacity).avg_bounded_slowdown;
}

}  // namespace

Result<std::vector<RlProtocolRow>> RunRlProtocol(const SwfWorkload& workload, const std::vector<std::string>& policies,
                                                 const RlProtocolOptions& options,
                                                 const RuntimePredictorOptions& predictor) {
  const size_t n = workload.jobs.size();
  if (n < 2 * options.length + 2)
    return Status::InvalidArgument("rlscheduler protocol: the trace has " + std::to_string(n) + " jobs, needs " +
                                   std::to_string(2 * options.length + 2));
  std::mt19937_64 rng(options.seed);
  std::uniform_int_distribution<size_t> pick(options.length, n - options.length - 2);
  std::vector<size_t> starts(options.sequences);
  for (auto& s : starts) s = pick(rng);

  std::vector<SchedulingPolicy> chosen;
  std::vector<RlProtocolRow> rows;
  for (const auto& name : policies) {
    auto policy = PolicyByName(name);
    if (!policy.ok()) return policy.status();
    chosen.push_back(*policy);
    rows.push_back({name, 0, std::vector<double>(starts.size())});
  }
  // Sequences scheduled by their own predictions run as the replay reaches their first job,
  // from the predictor's state then, so one state is held at a time.
  Status failed = Status::Ok();
  auto run_all = [&](size_t k, bool predicted, const std::string& state) {
    for (size_t i = 0; i < chosen.size() && failed.ok(); ++i) {
      if ((chosen[i].runtime == RuntimeSource::kPrediction) != predicted) continue;
      auto bsld = SequenceSlowdown(workload, starts[k], options.length, chosen[i], predictor, state);
      if (bsld.ok()) rows[i].per_sequence[k] = *bsld;
      else failed = bsld.status();
    }
  };
  for (size_t k = 0; k < starts.size(); ++k) {
    run_all(k, false, "");
    if (workload.exact_predictions) run_all(k, true, "");
  }
  if (!workload.exact_predictions && std::any_of(chosen.begin(), chosen.end(), [](const auto& p) { return p.runtime == RuntimeSource::kPrediction; })) {
    SimOptions replay;
    replay.policy = *PolicyByName("easy-predicted");
    replay.capacity = workload.capacity;
    replay.default_limit_ms = workload.default_limit_ms;
    replay.predictor = predictor;
    replay.before_submit = [&](size_t index, const RuntimePredictor& p) {
      for (size_t k = 0; k < starts.size() && failed.ok(); ++k) {
        if (starts[k] != index) continue;
        auto state = p.SaveState();
        if (state.ok()) run_all(k, true, *state);
        else failed = state.status();
      }
    };
    auto replayed = Simulate(workload.jobs, replay);
    if (!replayed.ok()) return replayed.status();
  }
  if (!failed.ok()) return failed;
  for (auto& row : rows) {
    double sum = 0;
    for (double v : row.per_sequence) sum += v;
    row.mean_bsld = sum / row.per_sequence.size();
  }
  return rows;
}

}  // namespace hostmind
