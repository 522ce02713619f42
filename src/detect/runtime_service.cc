#include "detect/runtime_service.h"

#include <algorithm>

#include <spdlog/spdlog.h>

namespace hostmind {

RuntimeService::RuntimeService(RuntimePredictorOptions options, size_t max_pending)
    : predictor_(std::move(options)), max_pending_(max_pending) {}

RuntimeService::~RuntimeService() { StopTrainer(); }

RunRequest RuntimeService::RequestFromExec(const ProcessExec& exec, TimeMs ts) {
  RunRequest r;
  r.user = std::to_string(exec.uid);
  r.command = exec.exe.empty() ? exec.comm : exec.exe;
  if (exec.argv.size() > 1) r.args.assign(exec.argv.begin() + 1, exec.argv.end());
  r.cwd = exec.cwd;
  r.submit_ts = ts;
  return r;
}

void RuntimeService::Analyze(const Batch& batch, Analysis& out) {
  (void)out;
  for (const auto& ev : batch.events) {
    if (const auto* exec = std::get_if<ProcessExec>(&ev.body)) OnExec(*exec, ev.ts);
    else if (const auto* exit = std::get_if<ProcessExit>(&ev.body)) OnExit(*exit, ev.ts);
  }
}

void RuntimeService::OnExec(const ProcessExec& exec, TimeMs ts) {
  RunRequest req = RequestFromExec(exec, ts);
  std::string line = req.command;
  for (const auto& arg : req.args) line += " " + arg;
  std::lock_guard lock(mu_);
  RuntimePrediction p = predictor_.Predict(req, {});
  open_[exec.pid] = Open{std::move(req), std::move(p), std::move(line)};
  open_order_.emplace_back(ts, exec.pid);
  // Forget the oldest open runs (daemons that never exit) beyond the budget.
  while (open_.size() > max_pending_ && !open_order_.empty()) {
    auto [t, pid] = open_order_.front();
    open_order_.pop_front();
    auto it = open_.find(pid);
    if (it != open_.end() && it->second.request.submit_ts == t) {
      open_.erase(it);
      ++pending_dropped_;
    }
  }
  if (open_order_.size() > 4 * max_pending_) {  // drop stale order entries
    std::erase_if(open_order_, [&](const auto& e) {
      auto it = open_.find(e.second);
      return it == open_.end() || it->second.request.submit_ts != e.first;
    });
  }
}

void RuntimeService::OnExit(const ProcessExit& exit, TimeMs ts) {
  std::lock_guard lock(mu_);
  auto it = open_.find(exit.pid);
  if (it == open_.end()) return;  // forked without exec, or started before the agent
  const TimeMs runtime = exit.runtime_ms >= 0 ? exit.runtime_ms : ts - it->second.request.submit_ts;
  predictor_.Learn(it->second.request, it->second.prediction, runtime, ts);
  open_.erase(it);
  TrainIfDueLocked();
}

RuntimePrediction RuntimeService::Predict(const RunRequest& req, const RunLoad& load) const {
  std::lock_guard lock(mu_);
  return predictor_.Predict(req, load);
}

std::vector<RuntimePrediction> RuntimeService::PredictAll(std::span<const RunRequest> reqs, const RunLoad& load) const {
  std::lock_guard lock(mu_);
  return predictor_.PredictAll(reqs, load);
}

void RuntimeService::Learn(const RunRequest& req, const RuntimePrediction& at_submit, TimeMs runtime_ms,
                           TimeMs end_ts) {
  std::lock_guard lock(mu_);
  predictor_.Learn(req, at_submit, runtime_ms, end_ts);
  TrainIfDueLocked();
}

void RuntimeService::TrainIfDueLocked() {
  auto job = predictor_.TakeTrainingJob();
  if (!job) return;
  if (trainer_running_) {
    training_job_ = std::move(job);  // a newer job replaces one still waiting
    trainer_cv_.notify_one();
    return;
  }
  auto model = RuntimeModel::Train(*job, predictor_.options().gbdt);
  if (model.ok()) {
    predictor_.Install(std::move(*model));
  } else {
    ++training_failures_;
    last_error_ = model.status().ToString();
  }
}

void RuntimeService::StartTrainer() {
  std::lock_guard lock(mu_);
  if (trainer_running_) return;
  trainer_running_ = true;
  trainer_ = std::jthread([this](std::stop_token stop) { TrainerLoop(stop); });
}

void RuntimeService::StopTrainer() {
  {
    std::lock_guard lock(mu_);
    if (!trainer_running_) return;
    trainer_running_ = false;
  }
  trainer_.request_stop();
  trainer_cv_.notify_all();
  if (trainer_.joinable()) trainer_.join();
}

void RuntimeService::TrainerLoop(std::stop_token stop) {
  while (!stop.stop_requested()) {
    GbdtData job;
    {
      std::unique_lock lock(mu_);
      trainer_cv_.wait(lock, stop, [&] { return training_job_.has_value(); });
      if (stop.stop_requested()) return;
      job = std::move(*training_job_);
      training_job_.reset();
    }
    // Off the lock: predictions and learning go on while the trees grow.
    auto model = RuntimeModel::Train(job, predictor_.options().gbdt);
    if (model.ok()) {
      predictor_.Install(std::move(*model));
      spdlog::debug("runtime predictor: retrained on {} runs", job.rows());
      continue;
    }
    std::lock_guard lock(mu_);
    ++training_failures_;
    last_error_ = model.status().ToString();
    spdlog::warn("runtime predictor: training failed: {}", last_error_);
  }
}

Result<std::string> RuntimeService::SaveState() const {
  std::lock_guard lock(mu_);
  return predictor_.SaveState();
}

Status RuntimeService::LoadState(std::string_view bytes) {
  std::lock_guard lock(mu_);
  return predictor_.LoadState(bytes);
}

std::vector<OpenRun> RuntimeService::OpenRuns() const {
  std::lock_guard lock(mu_);
  std::vector<OpenRun> out;
  out.reserve(open_.size());
  for (const auto& [pid, run] : open_)
    out.push_back(OpenRun{pid, run.request.command, run.command_line, run.request.submit_ts,
                          run.prediction.predicted_ms, run.prediction.upper_ms, run.prediction.source});
  std::sort(out.begin(), out.end(), [](const OpenRun& a, const OpenRun& b) { return a.exec_ts < b.exec_ts; });
  return out;
}

RuntimeService::Stats RuntimeService::stats() const {
  std::lock_guard lock(mu_);
  Stats s;
  s.learned = predictor_.learned();
  s.trainings = predictor_.trainings();
  s.training_failures = training_failures_;
  s.model_errors = predictor_.model_errors();
  s.pending = open_.size();
  s.pending_dropped = pending_dropped_;
  s.has_model = predictor_.model() != nullptr;
  s.last_error = last_error_;
  return s;
}

}  // namespace hostmind
