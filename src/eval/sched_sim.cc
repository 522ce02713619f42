#include "eval/sched_sim.h"

#include <algorithm>
#include <cmath>
#include <queue>
#include <string>
#include <unordered_map>
#include <unordered_set>

namespace hostmind {

TimeMs Last2Prediction(const HistoryView& history, TimeMs estimate_ms, TimeMs default_ms) {
  const RunStats& user = history.user();
  if (user.count == 0) return estimate_ms > 0 ? estimate_ms : default_ms;
  const TimeMs last2 = std::max<TimeMs>(static_cast<TimeMs>(user.last2_mean_s() * 1000.0), 1);
  return estimate_ms > 0 ? std::min(last2, estimate_ms) : last2;
}

namespace {

// The simulation's state between events.
class Simulation {
 public:
  Simulation(std::span<const SimJob> jobs, const SimOptions& options)
      : jobs_(jobs),
        options_(options),
        scheduler_(options.policy, options.capacity, options.default_limit_ms),
        predictor_(options.predictor) {
    result_.jobs.resize(jobs.size());
  }

  Result<SimResult> Run();

 private:
  static uint64_t IdOf(size_t index) { return index + 1; }  // 0 means "none" to the scheduler
  static size_t IndexOf(uint64_t id) { return id - 1; }
  void Submit(size_t index, TimeMs now);
  void Finish(uint64_t id, TimeMs now);
  void Start(const SchedDecision& d, TimeMs now);
  void RefreshPredictions(TimeMs now);
  RunLoad LoadNow() const;

  std::span<const SimJob> jobs_;
  const SimOptions& options_;
  Scheduler scheduler_;
  RuntimePredictor predictor_;
  std::vector<SchedJob> queue_;    // submission order
  std::vector<SchedJob> running_;
  std::unordered_map<uint64_t, RuntimePrediction> predictions_;  // of queued and running jobs
  using Finishing = std::pair<TimeMs, uint64_t>;
  std::priority_queue<Finishing, std::vector<Finishing>, std::greater<>> finishing_;
  double busy_cpus_ = 0;
  double queued_work_s_ = 0;
  std::unordered_set<std::string> users_with_news_;  // a run of theirs finished since the last decision
  SimResult result_;
};

void Simulation::Submit(size_t index, TimeMs now) {
  if (options_.before_submit) options_.before_submit(index, predictor_);
  const SimJob& job = jobs_[index];
  SchedJob s;
  s.id = IdOf(index);
  s.submit_ts = job.submit_ts;
  s.need = job.need;
  s.limit_ms = job.limit_ms;
  JobOutcome& out = result_.jobs[index];
  out.submit_ts = job.submit_ts;
  out.runtime_ms = job.runtime_ms;
  out.estimate_ms = job.estimate_ms;
  out.cpus = job.need.cpus;
  if (options_.predict) {
    RunRequest req = job.request;
    req.submit_ts = now;
    RuntimePrediction p = predictor_.Predict(req, LoadNow());
    s.predicted_ms = p.predicted_ms;
    s.upper_ms = p.upper_ms;
    out.last2_ms = Last2Prediction(p.history, job.estimate_ms, scheduler_.KillLimit(s));
    out.source = p.source;
    out.history_ms = static_cast<TimeMs>(std::exp(p.baseline_log) * 1000.0);
    predictions_.emplace(s.id, std::move(p));
  } else {
    s.predicted_ms = job.predicted_ms;
    s.upper_ms = job.upper_ms;
  }
  out.predicted_ms = s.predicted_ms;
  out.upper_ms = s.upper_ms;
  queued_work_s_ += job.need.cpus * scheduler_.KillLimit(s) / 1000.0;
  queue_.push_back(s);
}

RunLoad Simulation::LoadNow() const {
  RunLoad load;
  load.queued_jobs = static_cast<double>(queue_.size());
  load.queued_work_s = queued_work_s_;
  load.running_jobs = static_cast<double>(running_.size());
  load.busy_fraction = options_.capacity.cpus > 0 ? busy_cpus_ / options_.capacity.cpus : 0;
  load.host_load = load.busy_fraction;
  return load;
}

// A waiting job's prediction was made from the runs finished when it was submitted; a run of
// its user that has finished since (often the first of the same batch of jobs) is the best
// news there is about it, so it is predicted again, from everything finished by now. (Any run's
// end is news to the global history too, but "the last runs of anyone" says little about one
// job, and re-predicting the whole queue at every end measured worse on the user-less Lublin
// traces: 343 against 284 on Lublin-2.)
void Simulation::RefreshPredictions(TimeMs now) {
  if (users_with_news_.empty()) return;
  std::vector<SchedJob*> stale;
  std::vector<RunRequest> requests;
  for (SchedJob& q : queue_) {
    const RunRequest& r = jobs_[IndexOf(q.id)].request;
    if (!users_with_news_.count(r.user)) continue;
    stale.push_back(&q);
    requests.push_back(r);
    requests.back().submit_ts = now;
  }
  users_with_news_.clear();
  const std::vector<RuntimePrediction> fresh = predictor_.PredictAll(requests, LoadNow());
  for (size_t i = 0; i < stale.size(); ++i) {
    stale[i]->predicted_ms = fresh[i].predicted_ms;
    stale[i]->upper_ms = fresh[i].upper_ms;
  }
  result_.refreshed_predictions += stale.size();
}

void Simulation::Finish(uint64_t id, TimeMs now) {
  auto it = std::find_if(running_.begin(), running_.end(), [&](const SchedJob& j) { return j.id == id; });
  busy_cpus_ -= it->need.cpus;
  running_.erase(it);
  const size_t index = IndexOf(id);
  result_.jobs[index].end_ts = now;
  if (!options_.predict) return;
  auto p = predictions_.find(id);
  RunRequest req = jobs_[index].request;
  req.submit_ts = jobs_[index].submit_ts;
  predictor_.Learn(req, p->second, jobs_[index].runtime_ms, now);
  predictions_.erase(p);
  // A trace without users (the Lublin model's) has no run of "the same user" to learn from.
  if (!req.user.empty()) users_with_news_.insert(req.user);
}

void Simulation::Start(const SchedDecision& d, TimeMs now) {
  if (d.start.empty()) return;
  std::unordered_set<uint64_t> started(d.start.begin(), d.start.end());
  const size_t first_backfilled = d.start.size() - d.backfilled;
  for (size_t i = 0; i < d.start.size(); ++i) {
    const size_t index = IndexOf(d.start[i]);
    result_.jobs[index].start_ts = now;
    result_.jobs[index].backfilled = i >= first_backfilled;
    finishing_.emplace(now + jobs_[index].runtime_ms, d.start[i]);
  }
  result_.backfilled += d.backfilled;
  std::erase_if(queue_, [&](SchedJob& j) {
    if (!started.count(j.id)) return false;
    j.start_ts = now;
    result_.jobs[IndexOf(j.id)].start_predicted_ms = j.predicted_ms;
    busy_cpus_ += j.need.cpus;
    queued_work_s_ -= j.need.cpus * scheduler_.KillLimit(j) / 1000.0;
    running_.push_back(j);
    return true;
  });
}

Result<SimResult> Simulation::Run() {
  for (size_t i = 0; i < jobs_.size(); ++i) {
    if (!jobs_[i].need.FitsIn(options_.capacity))
      return Status::InvalidArgument("simulate: job " + std::to_string(jobs_[i].id) + " needs more than the machine");
    if (i > 0 && jobs_[i].submit_ts < jobs_[i - 1].submit_ts)
      return Status::InvalidArgument("simulate: jobs must be sorted by submit time");
  }
  if (options_.predict && !options_.predictor_state.empty())
    HM_RETURN_IF_ERROR(predictor_.LoadState(options_.predictor_state));
  size_t next = 0;
  size_t finished = 0;
  TimeMs review = kNever;
  while (next < jobs_.size() || !queue_.empty() || !running_.empty()) {
    TimeMs now = review;
    if (next < jobs_.size()) now = std::min(now, jobs_[next].submit_ts);
    if (!finishing_.empty()) now = std::min(now, finishing_.top().first);
    if (now == kNever) return Status::Internal("simulate: waiting jobs can never start");
    // Ends before arrivals at the same instant, so the arrivals see the freed CPUs.
    bool any_finished = false;
    while (!finishing_.empty() && finishing_.top().first == now) {
      Finish(finishing_.top().second, now);
      finishing_.pop();
      any_finished = true;
      if (++finished % 4096 == 0 && options_.progress) options_.progress(finished, jobs_.size());
    }
    if (any_finished && options_.predict) HM_RETURN_IF_ERROR(predictor_.TrainIfDue());
    if (options_.predict) RefreshPredictions(now);
    while (next < jobs_.size() && jobs_[next].submit_ts == now) Submit(next++, now);
    SchedDecision d = scheduler_.Decide(now, queue_, running_);
    ++result_.decisions;
    Start(d, now);
    review = d.next_review;
  }
  result_.model_trainings = predictor_.trainings();
  result_.model_errors = predictor_.model_errors();
  return std::move(result_);
}

}  // namespace

Result<SimResult> Simulate(std::span<const SimJob> jobs, const SimOptions& options) {
  Simulation sim(jobs, options);
  return sim.Run();
}

}  // namespace hostmind
