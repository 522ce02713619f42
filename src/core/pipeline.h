#pragma once
// The pipeline: observe -> learn/find -> tell. A scheduler thread runs each collector when it is
// due and pushes its Batch into a bounded queue (drops counted); an analysis thread pops
// batches, lets every analyzer learn from them and emit findings, and hands both to the sinks.
// Replay and tests drive the same steps synchronously through RunCollector() and Process().
#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/bounded_queue.h"
#include "core/clock.h"
#include "core/collector.h"
#include "core/finding.h"

namespace hostmind {

// What the analyzers derived from one batch: findings, and derived series (anomaly scores,
// forecasts, template rates) that are stored and exported like collected ones.
struct Analysis {
  std::vector<Finding> findings;
  std::vector<Sample> samples;
};

// Learns from batches and reports findings. Owned by the analysis thread: no locking needed
// for its own state; readers on other threads get snapshots through the analyzer's own API.
class Analyzer {
 public:
  virtual ~Analyzer() = default;
  virtual void Analyze(const Batch& batch, Analysis& out) = 0;
};

// Stores or serves what the pipeline produced (SQLite, in-memory series, alert delivery).
class Sink {
 public:
  virtual ~Sink() = default;
  // Sinks run in the order they were added; the store comes first and assigns Finding::id.
  virtual void Consume(const Batch& batch, Analysis& analysis) = 0;
  // Called once on shutdown after the queue is drained.
  virtual void Flush() {}
};

struct CollectorHealth {
  std::string name;
  TimeMs interval_ms = 0;
  bool up = false;
  bool ran = false;
  uint64_t runs = 0;
  uint64_t errors = 0;  // failed runs plus errors counted inside runs
  std::string last_error;
  TimeMs last_run = 0;
  double last_duration_s = 0;
};

class Pipeline {
 public:
  Pipeline(HostEnv& env, const Clock& clock, size_t queue_capacity = 256);
  ~Pipeline();
  Pipeline(const Pipeline&) = delete;
  Pipeline& operator=(const Pipeline&) = delete;

  void AddCollector(std::unique_ptr<Collector> collector, TimeMs interval_ms);
  void AddAnalyzer(Analyzer* analyzer) { analyzers_.push_back(analyzer); }
  void AddSink(Sink* sink) { sinks_.push_back(sink); }

  // Live mode: starts the scheduler and analysis threads.
  void Start();
  // Stops the scheduler, runs every collector once more, drains the queue through analyzers and
  // sinks, then flushes sinks.
  void Stop();

  // Runs collector `index` once against `env` at time `now` and returns its batch, with the
  // collector's health series appended. Thread-compatible with Start() only from the scheduler.
  Batch RunCollector(size_t index, HostEnv& env, TimeMs now);
  // Runs analyzers on `batch` and hands the batch and findings to every sink.
  void Process(const Batch& batch);

  size_t collector_count() const { return collectors_.size(); }
  // Passes a saved durable position to collector `index` (before Start).
  void RestoreCollector(size_t index, const std::string& key, const std::string& value) {
    collectors_[index].collector->Restore(key, value);
  }
  // Index of the collector named `name`, or -1.
  int FindCollector(const std::string& name) const;
  std::vector<CollectorHealth> Health() const;
  uint64_t dropped_batches() const { return dropped_.load(); }
  size_t queue_depth() const { return queue_.size(); }
  size_t queue_capacity() const { return queue_.capacity(); }

 private:
  struct Scheduled {
    std::unique_ptr<Collector> collector;
    TimeMs next_due = 0;
    CollectorHealth health;
  };
  void SchedulerLoop(std::stop_token stop);
  void AnalysisLoop();
  void AppendHealth(const CollectorHealth& h, Batch& out) const;

  HostEnv& env_;
  const Clock& clock_;
  std::vector<Scheduled> collectors_;
  std::vector<Analyzer*> analyzers_;
  std::vector<Sink*> sinks_;
  BoundedQueue<Batch> queue_;
  std::atomic<uint64_t> dropped_{0};
  std::atomic<bool> draining_{false};
  mutable std::mutex health_mu_;
  std::mutex wake_mu_;
  std::condition_variable_any wake_;
  std::jthread scheduler_;
  std::jthread analysis_;
  bool started_ = false;
};

}  // namespace hostmind
