#include "act/job_queue.h"

#include <signal.h>
#include <sys/stat.h>

#include <algorithm>

#include <spdlog/spdlog.h>

namespace hostmind {
namespace {

std::string Cpus(double c) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", c);
  return buf;
}

}  // namespace

JobQueue::JobQueue(JobQueueOptions options, JobLedger& ledger, JobRunner& runner, RuntimeService* predictor,
                   const Clock& clock)
    : options_(std::move(options)),
      ledger_(ledger),
      runner_(runner),
      predictor_(predictor),
      clock_(clock),
      scheduler_(PolicyByName(options_.policy).value_or(*PolicyByName("easy")), options_.capacity,
                 options_.default_limit_ms) {}

JobQueue::~JobQueue() { Stop(); }

Status JobQueue::Start() {
  HM_RETURN_IF_ERROR(Load());
  loop_ = std::jthread([this](std::stop_token stop) { Loop(stop); });
  return Status::Ok();
}

Status JobQueue::Load() {
  if (!PolicyByName(options_.policy).ok()) return PolicyByName(options_.policy).status();
  auto loaded = ledger_.LoadRecent(options_.finished_in_memory);
  if (!loaded.ok()) return loaded.status();
  {
    std::lock_guard lock(mu_);
    for (auto& job : *loaded) {
      next_id_ = std::max(next_id_, job.id + 1);
      // The features a finished job's run is learnt from are made again: the ones made at
      // submission were not kept across the restart.
      if (!JobStateFinal(job.state) && predictor_) predictions_[job.id] = predictor_->Predict(RequestOf(job), {});
      // A waiting job's refreshed prediction is not saved (a user's long queue would be
      // rewritten at every end); the first decision after the restart makes it again.
      if (job.state == JobState::kQueued) users_with_news_.insert(job.spec.uid);
      jobs_[job.id] = std::move(job);
    }
    size_t running = 0, queued = 0;
    for (const auto& [id, job] : jobs_) {
      running += job.state == JobState::kRunning;
      queued += job.state == JobState::kQueued;
    }
    spdlog::info("job queue: {} queued and {} running jobs restored; policy {}; {} CPUs, {} bytes; {}", queued,
                 running, options_.policy, options_.capacity.cpus, options_.capacity.mem_bytes, runner_.Describe());
  }
  return Status::Ok();
}

void JobQueue::Stop() {
  if (!loop_.joinable()) return;
  loop_.request_stop();
  changed_.notify_all();
  loop_.join();
}

void JobQueue::Loop(std::stop_token stop) {
  while (!stop.stop_requested()) {
    Tick();
    std::unique_lock lock(mu_);
    TimeMs wait = options_.poll_ms;
    if (next_review_ != kNever) wait = std::clamp<TimeMs>(next_review_ - clock_.Now(), 1, options_.poll_ms);
    changed_.wait_for(lock, stop, std::chrono::milliseconds(wait), [&] { return wake_; });
    wake_ = false;
  }
}

RunRequest JobQueue::RequestOf(const Job& job) const {
  RunRequest r;
  r.user = std::to_string(job.spec.uid);
  r.group = std::to_string(job.spec.gid);
  r.command = job.spec.argv.empty() ? "" : job.spec.argv[0];
  if (job.spec.argv.size() > 1) r.args.assign(job.spec.argv.begin() + 1, job.spec.argv.end());
  r.cwd = job.spec.cwd;
  r.queue = "jobs";
  r.cpus = job.spec.cpus;
  r.mem_bytes = job.spec.mem_bytes;
  r.estimate_ms = job.spec.limit_ms;
  r.submit_ts = job.submit_ts;
  return r;
}

RunLoad JobQueue::LoadNow() const {
  RunLoad load;
  double busy = 0;
  for (const auto& [id, job] : jobs_) {
    if (job.state == JobState::kQueued) {
      load.queued_jobs += 1;
      load.queued_work_s += job.spec.cpus * scheduler_.KillLimit(job.ToSchedJob()) / 1000.0;
    } else if (job.state == JobState::kRunning) {
      load.running_jobs += 1;
      busy += job.spec.cpus;
    }
  }
  load.busy_fraction = options_.capacity.cpus > 0 ? busy / options_.capacity.cpus : 0;
  load.host_load = load.busy_fraction;
  return load;
}

void JobQueue::Predict(Job& job) {
  if (!predictor_) return;
  RuntimePrediction p = predictor_->Predict(RequestOf(job), LoadNow());
  job.predicted_ms = p.predicted_ms;
  job.upper_ms = p.upper_ms;
  job.prediction_source = PredictionSourceName(p.source);
  predictions_[job.id] = std::move(p);
}

// Only the job's scheduling figures change: the prediction made at submission stays the one
// the run is learnt from, so the model learns what it knew when the job was asked for. Nothing
// is saved here: the job is saved with its prediction when it starts, and a restart predicts
// waiting jobs again (Load).
void JobQueue::RefreshPredictions(TimeMs now) {
  if (!predictor_ || users_with_news_.empty()) return;
  std::vector<Job*> stale;
  std::vector<RunRequest> requests;
  for (auto& [id, job] : jobs_) {
    if (job.state != JobState::kQueued || !users_with_news_.count(job.spec.uid)) continue;
    stale.push_back(&job);
    requests.push_back(RequestOf(job));
    requests.back().submit_ts = now;
  }
  users_with_news_.clear();
  const std::vector<RuntimePrediction> fresh = predictor_->PredictAll(requests, LoadNow());
  for (size_t i = 0; i < stale.size(); ++i) {
    stale[i]->predicted_ms = fresh[i].predicted_ms;
    stale[i]->upper_ms = fresh[i].upper_ms;
    stale[i]->prediction_source = PredictionSourceName(fresh[i].source);
  }
}

Result<Job> JobQueue::Submit(JobSpec spec) {
  // Checks the submission first, with messages that say what to change.
  if (spec.argv.empty() || spec.argv[0].empty()) return Status::InvalidArgument("no command given");
  const std::string& exe = spec.argv[0];
  struct stat st {};
  if (exe.front() != '/') return Status::InvalidArgument("command '" + exe + "' must be an absolute path");
  if (stat(exe.c_str(), &st) != 0) return Status::InvalidArgument("command " + exe + ": no such file");
  if (!S_ISREG(st.st_mode) || !(st.st_mode & 0111)) return Status::InvalidArgument("command " + exe + ": not an executable file");
  if (spec.cwd.empty() || spec.cwd.front() != '/' || stat(spec.cwd.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
    return Status::InvalidArgument("working directory '" + spec.cwd + "' is not a directory");
  if (!(spec.cpus > 0)) return Status::InvalidArgument("--cpus must be more than 0");
  if (spec.cpus > options_.capacity.cpus)
    return Status::InvalidArgument("asks for " + Cpus(spec.cpus) + " CPUs; this host runs jobs on at most " +
                                   Cpus(options_.capacity.cpus));
  if (options_.capacity.mem_bytes > 0 && spec.mem_bytes > options_.capacity.mem_bytes)
    return Status::InvalidArgument("asks for " + std::to_string(spec.mem_bytes) + " bytes of memory; jobs may use at most " +
                                   std::to_string(options_.capacity.mem_bytes));
  if (spec.limit_ms < 0) return Status::InvalidArgument("--time must not be negative");
  if (options_.max_limit_ms > 0 && spec.limit_ms > options_.max_limit_ms)
    return Status::InvalidArgument("--time " + FormatDuration(spec.limit_ms) + " is beyond this queue's maximum of " +
                                   FormatDuration(options_.max_limit_ms));
  if (spec.limit_ms == 0) spec.limit_ms = options_.default_limit_ms;

  Job job;
  {
    std::lock_guard lock(mu_);
    job.id = next_id_++;
    job.spec = std::move(spec);
    job.submit_ts = clock_.Now();
    job.dir = options_.jobs_dir + "/" + std::to_string(job.id);
    job.reason = "waiting for its turn";
    Predict(job);
    jobs_[job.id] = job;
    Persist(job);
    wake_ = true;
  }
  changed_.notify_all();
  return job;
}

Result<Job> JobQueue::Cancel(uint64_t id, uint32_t uid) {
  Job out;
  {
    std::lock_guard lock(mu_);
    auto it = jobs_.find(id);
    if (it == jobs_.end()) return Status::NotFound("no job " + std::to_string(id));
    Job& job = it->second;
    if (uid != 0 && uid != job.spec.uid)
      return Status::PermissionDenied("job " + std::to_string(id) + " belongs to " + job.spec.user);
    if (JobStateFinal(job.state))
      return Status::InvalidArgument("job " + std::to_string(id) + " has already " + JobStateName(job.state));
    const std::string who = uid == job.spec.uid ? "its owner" : "root";
    if (job.state == JobState::kQueued) {
      Finish(job, JobState::kCancelled, -1, "cancelled by " + who + " before it started", clock_.Now());
    } else if (!ending_.count(id)) {
      ending_[id] = Ending{JobState::kCancelled, "cancelled by " + who, clock_.Now(), false};
      (void)runner_.Signal(job, SIGTERM);
    }
    out = job;
    wake_ = true;
  }
  changed_.notify_all();
  return out;
}

Result<Job> JobQueue::Get(uint64_t id) const {
  std::lock_guard lock(mu_);
  auto it = jobs_.find(id);
  if (it == jobs_.end()) return Status::NotFound("no job " + std::to_string(id));
  return it->second;
}

std::vector<Job> JobQueue::List(bool include_finished) const {
  std::lock_guard lock(mu_);
  std::vector<Job> out;
  for (const auto& [id, job] : jobs_)
    if (include_finished || !JobStateFinal(job.state)) out.push_back(job);
  return out;
}

Result<Job> JobQueue::Wait(uint64_t id, TimeMs timeout_ms) const {
  std::unique_lock lock(mu_);
  auto final_or_gone = [&] {
    auto it = jobs_.find(id);
    return it == jobs_.end() || JobStateFinal(it->second.state);
  };
  changed_.wait_for(lock, std::chrono::milliseconds(std::max<TimeMs>(timeout_ms, 0)), final_or_gone);
  auto it = jobs_.find(id);
  if (it == jobs_.end()) return Status::NotFound("no job " + std::to_string(id));
  return it->second;
}

void JobQueue::Tick() {
  {
    std::lock_guard lock(mu_);
    const TimeMs now = clock_.Now();
    Reconcile(now);
    Schedule(now);
    ForgetOldFinished();
  }
  changed_.notify_all();
}

void JobQueue::Reconcile(TimeMs now) {
  for (auto& [id, job] : jobs_) {
    if (job.state != JobState::kRunning) continue;
    const JobCheck check = runner_.Check(job);
    auto ending = ending_.find(id);
    if (check.liveness == JobLiveness::kExited) {
      if (ending != ending_.end()) {
        Finish(job, ending->second.state, check.exit_code, ending->second.reason, now);
      } else {
        Finish(job, check.exit_code == 0 ? JobState::kDone : JobState::kFailed, check.exit_code,
               check.exit_code == 0 ? "" : "exited with status " + std::to_string(check.exit_code), now);
      }
      continue;
    }
    if (check.liveness == JobLiveness::kLost) {
      Finish(job, JobState::kLost, -1, "its supervisor vanished without an exit status", now);
      continue;
    }
    const TimeMs limit = scheduler_.KillLimit(job.ToSchedJob());
    if (ending == ending_.end() && now - job.start_ts >= limit) {
      ending = ending_.emplace(id, Ending{JobState::kKilled, "ran past its limit of " + FormatDuration(limit), now, false}).first;
      (void)runner_.Signal(job, SIGTERM);
    }
    if (ending != ending_.end() && !ending->second.killed_hard && now - ending->second.signalled_at >= options_.kill_grace_ms) {
      (void)runner_.Signal(job, SIGKILL);
      ending->second.killed_hard = true;
    }
  }
}

void JobQueue::Schedule(TimeMs now) {
  RefreshPredictions(now);
  std::vector<SchedJob> queue, running;
  for (const auto& [id, job] : jobs_) {
    if (job.state == JobState::kQueued) queue.push_back(job.ToSchedJob());
    else if (job.state == JobState::kRunning) running.push_back(job.ToSchedJob());
  }
  const SchedDecision d = scheduler_.Decide(now, queue, running);
  next_review_ = d.next_review;
  const size_t first_backfilled = d.start.size() - d.backfilled;
  for (size_t i = 0; i < d.start.size(); ++i) {
    Job& job = jobs_.at(d.start[i]);
    auto launched = runner_.Launch(job);
    if (!launched.ok()) {
      Finish(job, JobState::kFailed, -1, "could not start: " + launched.status().message(), now);
      continue;
    }
    job.state = JobState::kRunning;
    job.start_ts = now;
    job.pid = launched->pid;
    job.pid_start_ticks = launched->start_ticks;
    job.backfilled = i >= first_backfilled;
    job.reason = job.backfilled ? "backfilled: predicted to end before the waiting head job needs its CPUs" : "";
    Persist(job);
  }
  if (d.reserved_job != 0) {
    Job& head = jobs_.at(d.reserved_job);
    std::string reason = "next to run; waiting for " + Cpus(head.spec.cpus) + " CPUs";
    if (d.reservation_ts != kNever) reason += ", expected by " + FormatClockTime(d.reservation_ts);
    if (head.reason != reason) {
      head.reason = reason;
      Persist(head);
    }
  }
}

void JobQueue::Finish(Job& job, JobState state, int exit_code, std::string reason, TimeMs now) {
  const bool ran = job.state == JobState::kRunning;
  job.state = state;
  job.exit_code = exit_code;
  job.end_ts = now;
  job.reason = std::move(reason);
  if (ran) runner_.Cleanup(job);
  auto p = predictions_.find(job.id);
  // Only complete runs teach the predictor: a killed or cancelled run's length is not its own.
  if (predictor_ && ran && p != predictions_.end() && (state == JobState::kDone || state == JobState::kFailed)) {
    predictor_->Learn(RequestOf(job), p->second, now - job.start_ts, now);
    users_with_news_.insert(job.spec.uid);
  }
  if (p != predictions_.end()) predictions_.erase(p);
  ending_.erase(job.id);
  Persist(job);
}

void JobQueue::Persist(const Job& job) {
  Status s = ledger_.Save(job);
  if (!s.ok()) spdlog::error("job queue: could not save job {}: {}", job.id, s.ToString());
}

void JobQueue::ForgetOldFinished() {
  size_t finished = 0;
  for (const auto& [id, job] : jobs_) finished += JobStateFinal(job.state);
  for (auto it = jobs_.begin(); it != jobs_.end() && finished > options_.finished_in_memory;) {
    if (JobStateFinal(it->second.state)) {
      it = jobs_.erase(it);
      --finished;
    } else {
      ++it;
    }
  }
}

JobQueue::Stats JobQueue::stats() const {
  std::lock_guard lock(mu_);
  Stats s;
  s.capacity = options_.capacity;
  s.policy = options_.policy;
  s.confinement = runner_.Describe();
  for (const auto& [id, job] : jobs_) {
    s.queued += job.state == JobState::kQueued;
    if (job.state == JobState::kRunning) {
      ++s.running;
      s.used += Resources{job.spec.cpus, job.spec.mem_bytes};
    }
  }
  return s;
}

}  // namespace hostmind
