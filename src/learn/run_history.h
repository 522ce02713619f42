#pragma once
// What is known about a run before it starts (RunRequest, RunLoad), and the recent run times of
// the same user, the same command and the same exact request (RunHistory): the memory the
// run-time predictor and its baselines stand on.
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/clock.h"
#include "core/status.h"
#include "learn/byte_codec.h"

namespace hostmind {

// A run as asked for: a job submission, or a process seen at exec.
struct RunRequest {
  std::string user;               // uid or user name
  std::string group;              // gid, project or account; may be empty
  std::string command;            // executable path, or the trace's application number
  std::vector<std::string> args;  // argument tokens (argv[1..]); may be empty
  std::string cwd;
  std::string queue;              // queue or partition; may be empty
  double cpus = 1;                // requested CPUs
  uint64_t mem_bytes = 0;         // requested memory; 0 = not given
  TimeMs estimate_ms = 0;         // the user's run-time limit; 0 = not given
  TimeMs submit_ts = 0;
};

// The state of the host and queue when the run was asked for.
struct RunLoad {
  double queued_jobs = 0;
  double queued_work_s = 0;  // CPU-seconds waiting, by the queued jobs' estimates
  double running_jobs = 0;
  double busy_fraction = 0;  // of the CPU capacity in use
  double host_load = 0;      // load average per CPU (live) or busy_fraction (simulated)
};

// Recent run times under one key.
struct RunStats {
  uint64_t count = 0;
  double last1_s = 0;   // most recent run to finish
  double last2_s = 0;   // the one before; equals last1_s while count == 1
  double sum_s = 0;
  double last_estimate_s = 0;   // the estimate of the most recent run; 0 = none
  double sum_log_ratio = 0;     // sum of log(run time / estimate) over runs with an estimate
  uint64_t ratio_count = 0;
  TimeMs last_end = 0;

  double mean_s() const { return count ? sum_s / count : 0; }
  // Tsafrir's predictor: the mean of the last two run times.
  double last2_mean_s() const { return count ? (last1_s + last2_s) / 2 : 0; }
  void Add(double runtime_s, double estimate_s, TimeMs end);
};

// The three levels of history a prediction looks at, most general first.
enum class HistoryLevel { kUser = 0, kCommand = 1, kExact = 2 };
inline constexpr int kHistoryLevels = 3;

struct HistoryView {
  RunStats level[kHistoryLevels];
  const RunStats& user() const { return level[0]; }
  const RunStats& command() const { return level[1]; }
  const RunStats& exact() const { return level[2]; }
  // The most specific level with at least one run, or -1.
  int deepest() const;
};

// 64-bit FNV-1a: stable across runs and builds, so saved keys stay valid.
uint64_t StableHash(std::string_view s, uint64_t seed = 1469598103934665603ull);

class RunHistory {
 public:
  // Keeps at most `max_keys` keys per level; the least recently finished go first.
  explicit RunHistory(size_t max_keys = 50000) : max_keys_(max_keys) {}

  HistoryView Lookup(const RunRequest& req) const;
  void Add(const RunRequest& req, TimeMs runtime_ms, TimeMs end_ts);
  // Every run added, whatever its key.
  const RunStats& global() const { return global_; }
  size_t keys(HistoryLevel level) const { return maps_[static_cast<int>(level)].size(); }

  void Save(ByteWriter& w) const;
  Status Load(ByteReader& r);

  // The key of `req` at `level`: user; user + command; user + command + args + cwd + CPUs +
  // estimate (the same request made again).
  static uint64_t KeyOf(const RunRequest& req, HistoryLevel level);

 private:
  void Evict(std::unordered_map<uint64_t, RunStats>& map);
  size_t max_keys_;
  std::unordered_map<uint64_t, RunStats> maps_[kHistoryLevels];
  RunStats global_;
};

}  // namespace hostmind
