#pragma once
// The live run-time predictor: learns how long programs run from the host's exec and exit
// events (the eBPF sensor, or the /proc fallback) and from the job queue's finished jobs,
// retrains in the background, and answers `hostmind predict` and the job queue.
//
// Thread-safe: the analysis thread feeds it events, HTTP threads and the job queue ask it.
// One mutex guards the predictor's history; the model itself is swapped in atomically by the
// trainer thread, so a prediction never waits for a training.
#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>

#include "core/event.h"
#include "core/pipeline.h"
#include "learn/runtime_predictor.h"

namespace hostmind {

// A process seen to exec and not yet seen to exit, with what was predicted for it at its exec.
struct OpenRun {
  int32_t pid = 0;
  std::string command;
  std::string command_line;  // the command and its arguments: how a rerun of it is recognised
  TimeMs exec_ts = 0;
  TimeMs predicted_ms = 0;
  TimeMs upper_ms = 0;
  PredictionSource source = PredictionSource::kPrior;
};

class RuntimeService final : public Analyzer {
 public:
  explicit RuntimeService(RuntimePredictorOptions options = {}, size_t max_pending = 20000);
  ~RuntimeService() override;

  // Exec events open a run (its prediction is made now, from what is known now); exit events
  // close it and teach the predictor.
  void Analyze(const Batch& batch, Analysis& out) override;

  RuntimePrediction Predict(const RunRequest& req, const RunLoad& load) const;
  std::vector<RuntimePrediction> PredictAll(std::span<const RunRequest> reqs, const RunLoad& load) const;
  void Learn(const RunRequest& req, const RuntimePrediction& at_submit, TimeMs runtime_ms, TimeMs end_ts);

  // The background trainer; without it, training runs inline after Learn (tests, replay).
  void StartTrainer();
  void StopTrainer();

  Result<std::string> SaveState() const;
  Status LoadState(std::string_view bytes);

  struct Stats {
    uint64_t learned = 0;
    uint64_t trainings = 0;
    uint64_t training_failures = 0;
    uint64_t model_errors = 0;
    uint64_t pending = 0;           // execs waiting for their exit
    uint64_t pending_dropped = 0;   // execs forgotten because too many were open
    bool has_model = false;
    std::string last_error;
  };
  Stats stats() const;
  // Every open run (at most the pending budget), oldest first.
  std::vector<OpenRun> OpenRuns() const;
  // The coverage of predictions' upper bounds.
  double quantile() const { return predictor_.options().quantile; }

  // A process as a run: its uid, executable, arguments and working directory.
  static RunRequest RequestFromExec(const ProcessExec& exec, TimeMs ts);

 private:
  void OnExec(const ProcessExec& exec, TimeMs ts);
  void OnExit(const ProcessExit& exit, TimeMs ts);
  void TrainIfDueLocked();
  void TrainerLoop(std::stop_token stop);

  struct Open {
    RunRequest request;
    RuntimePrediction prediction;
    std::string command_line;  // the command and its arguments, joined once at exec
  };

  mutable std::mutex mu_;
  RuntimePredictor predictor_;
  size_t max_pending_;
  std::unordered_map<int32_t, Open> open_;
  std::deque<std::pair<TimeMs, int32_t>> open_order_;  // exec order, for eviction; may hold stale pids
  uint64_t pending_dropped_ = 0;
  uint64_t training_failures_ = 0;
  std::string last_error_;

  std::condition_variable_any trainer_cv_;
  std::optional<GbdtData> training_job_;  // the newest job not yet started
  bool trainer_running_ = false;
  std::jthread trainer_;
};

}  // namespace hostmind
