#pragma once
// Collector: one source of samples and events, read through a HostEnv. The pipeline runs each
// collector on its own interval and owns its health (up, errors, last error).
#include <string>
#include <vector>

#include "core/event.h"
#include "core/host_env.h"
#include "core/sample.h"

namespace hostmind {

// What one collector run produced.
struct Batch {
  std::string source;  // collector name
  TimeMs ts = 0;
  std::vector<Sample> samples;
  std::vector<Event> events;
  // Durable progress (a journal cursor, a file offset) that the store commits in the same
  // transaction as the events, so a restart neither loses nor repeats them.
  std::vector<std::pair<std::string, std::string>> state;

  void Gauge(SeriesKey key, double value) { samples.push_back({std::move(key), value, ts, MetricKind::kGauge}); }
  void Counter(SeriesKey key, double value) { samples.push_back({std::move(key), value, ts, MetricKind::kCounter}); }
};

// Everything a collector run may touch. Errors that spoil part of a run (one unreadable
// process, one garbage line) are counted here and the run goes on.
class CollectContext {
 public:
  CollectContext(HostEnv& env, TimeMs now, Batch& out) : env_(env), now_(now), out_(out) { out.ts = now; }
  HostEnv& env() { return env_; }
  TimeMs now() const { return now_; }
  Batch& out() { return out_; }
  void CountError(const Status& s) {
    ++errors_;
    last_error_ = s.ToString();
  }
  int errors() const { return errors_; }
  const std::string& last_error() const { return last_error_; }

 private:
  HostEnv& env_;
  TimeMs now_;
  Batch& out_;
  int errors_ = 0;
  std::string last_error_;
};

class Collector {
 public:
  virtual ~Collector() = default;
  virtual const std::string& name() const = 0;
  // Reads the host once. A non-OK result means the collector is down (its whole source is
  // missing or unreadable); the message says which capability is missing.
  virtual Status Collect(CollectContext& ctx) = 0;
  // Durable progress saved from earlier Batch::state entries (this collector's keys only),
  // handed back once before the first Collect after a restart.
  virtual void Restore(const std::string& key, const std::string& value) {
    (void)key;
    (void)value;
  }
};

}  // namespace hostmind
