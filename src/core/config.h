#pragma once
// Configuration: YAML, with the embedded defaults (config/hostmind.yaml) overlaid by an
// optional user file. Unknown keys and bad values are errors that name the key and the line.
#include <map>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/status.h"

namespace hostmind {

struct AgentConfig {
  std::string state_dir;
  std::string log_level;
  std::string hostname;
};

struct HttpConfig {
  std::string listen;
  int port = 0;
  std::string token;
  bool token_for_reads = false;
};

struct CollectorConfig {
  bool enabled = true;
  TimeMs interval_ms = 0;  // 0 = collect.interval
};

struct CollectConfig {
  std::string root;
  TimeMs interval_ms = 0;
  int queue_capacity = 0;
  std::map<std::string, CollectorConfig> collectors;
  int top_n = 0;
  std::vector<std::string> fs_ignore_types;
  std::vector<std::string> log_files;
  int max_line_bytes = 0;

  // The interval of collector `name`, falling back to collect.interval.
  TimeMs IntervalOf(const std::string& name) const;
  bool Enabled(const std::string& name) const;
};

struct StoreConfig {
  TimeMs raw_window_ms = 0;
  TimeMs rollup_interval_ms = 0;
  TimeMs retention_ms = 0;
};

// Metric anomalies (every gauge series) and exhaustion forecasts (filesystems, memory, swap,
// process and cgroup memory).
struct MetricsConfig {
  bool anomalies_enabled = true;
  TimeMs step_ms = 0;
  int warmup_steps = 0;
  int max_series = 0;
  TimeMs incident_window_ms = 0;
  bool forecasts_enabled = true;
  TimeMs horizon_ms = 0;
  TimeMs critical_ms = 0;
  TimeMs leak_after_ms = 0;
  int max_resources = 0;
};

struct SecurityConfig {
  // The event sensor (eBPF, else proc connector, else /proc scanning).
  bool sensor_enabled = true;
  bool ebpf = true;
  std::vector<std::string> open_prefixes;
  bool syscall_profiles = true;
  bool syscall_results = false;
  uint64_t ring_buffer_bytes = 0;
  int queue_capacity = 0;
  // Falco-syntax rules.
  bool rules_enabled = true;
  bool builtin_rules = true;
  std::vector<std::string> rule_files;
  bool allow_actions = false;
  // Learned process behaviour.
  bool behaviour_enabled = true;
  TimeMs learning_window_ms = 0;
  double min_distance = 0;
  int max_profiles = 0;
};

// One workload of the cgroup controller (alloc.workloads[]).
struct AllocWorkloadConfig {
  std::string name;
  std::string path;                  // cgroup path to adopt; "" = create <alloc.subtree>/<name>
  std::string klass = "batch";       // "latency-critical" or "batch"
  double cpu_min = 0, cpu_max = 0;   // cores; cpu_max 0 = no bound
  uint64_t memory_min = 0, memory_max = 0;  // bytes; memory_max 0 = no bound
  std::string latency_metric;        // series id; "" = the workload's PSI
  double latency_target = 0.1;       // PSI stall share, or the metric's SLO value
};

struct OomGuardConfig {
  bool enabled = true;
  TimeMs horizon_ms = 0;             // act when memory is forecast to run out within this
  uint64_t min_available = 0;        // "run out" = MemAvailable under this
  std::string policy;                // "kill", "freeze" or "throttle"
  std::vector<std::string> exclude;  // process names never chosen
};

struct AllocConfig {
  std::string mode;                  // "observe", "recommend" or "enforce"
  TimeMs interval_ms = 0;
  std::string subtree;               // where created workloads live, in every hierarchy
  TimeMs min_change_interval_ms = 0; // rate limit per knob (changes that take resources away)
  double max_step = 0;               // largest such change per step: share of the CPUs / of the value
  double memory_pressure_target = 0;
  std::vector<AllocWorkloadConfig> workloads;
  OomGuardConfig oom;
};

struct AlertConfig {
  std::string min_severity;  // info, warning, critical
  TimeMs repeat_interval_ms = 0;
  TimeMs resolve_after_ms = 0;
  int queue_capacity = 0;
  TimeMs retry_initial_ms = 0;
  TimeMs retry_max_ms = 0;
  std::string dashboard_url;
  bool log = true;
  std::vector<std::string> webhook_urls;
  TimeMs webhook_timeout_ms = 0;
  std::string nats_url;
  std::string nats_subject_prefix;
  bool nats_events = true;
};

struct LogsConfig {
  TimeMs warmup_ms = 0;
  int warmup_lines = 0;
  int max_templates = 0;
  int max_findings_per_minute = 0;
};

struct PrefetchConfig {
  bool enabled = true;                  // trace launches and learn what they read
  std::string mode;                     // observe, recommend or enforce
  std::string tracer;                   // auto, ebpf or fanotify
  TimeMs learn_window_ms = 0;           // each launch is traced this long
  uint64_t memory_budget = 0;           // bytes one prefetch may bring into the page cache
  double min_probability = 0;           // of a range, to be prefetched
  double child_min_probability = 0;     // of a child program, to prefetch its reads too
  bool predict = true;                  // prefetch for predicted launches too
  double predict_min_probability = 0;
  TimeMs predict_horizon_ms = 0;
  TimeMs predict_interval_ms = 0;       // how often predictions are made and evicted guesses re-read
  uint64_t guess_reserve = 0;           // predictions leave this much memory free
  double psi_limit = 0;                 // memory PSI (some) above which nothing is prefetched
  int io_threads = 0;
  uint64_t io_piece = 0;                // larger reads are read in pieces of this size, each waited for
  TimeMs order_slice_ms = 0;
  int warm_directories = 0;             // directories of a plan's files listed first, at most
  int max_programs = 0;
  std::vector<std::string> interpreters;
};

// The job queue (act/job_queue.h).
struct JobsConfig {
  bool enabled = true;
  double cpus = 0;            // CPUs jobs may use; 0 = every online CPU
  uint64_t memory_bytes = 0;  // memory jobs may use; 0 = 80% of MemTotal
  std::string policy;         // a scheduling policy name (act/scheduler.h)
  TimeMs default_limit_ms = 0;
  TimeMs max_limit_ms = 0;
  TimeMs kill_grace_ms = 0;
  std::string cgroup_parent;  // "" = the agent's own cgroup + /hostmind.jobs, per hierarchy
};

// The run-time predictor (learn/runtime_predictor.h, detect/runtime_service.h).
struct PredictConfig {
  bool learn_processes = true;  // learn from every exec/exit the sensor sees
  int window = 0;               // most recent runs kept as training examples
  int retrain_every = 0;        // runs learnt between background trainings
  TimeMs save_interval_ms = 0;  // how often the predictor's state is written to the store
};

// Scheduling hints for processes the job queue does not own (act/sched_hints.h).
struct SchedHintsConfig {
  bool enabled = false;
  std::string mode;          // "observe", "recommend" or "enforce"
  TimeMs long_after_ms = 0;  // predicted run time from which a process is long
  double min_cpu = 0;        // CPU share since exec from which it is CPU-bound
  TimeMs min_age_ms = 0;     // younger processes are not judged
  TimeMs slice_ms = 0;       // the EEVDF custom slice given; 0 = keep the kernel's
  TimeMs interval_ms = 0;    // how often running processes are looked at
};

struct Config {
  AgentConfig agent;
  HttpConfig http;
  CollectConfig collect;
  StoreConfig store;
  SecurityConfig security;
  AllocConfig alloc;
  LogsConfig logs;
  MetricsConfig metrics;
  PrefetchConfig prefetch;
  JobsConfig jobs;
  PredictConfig predict;
  SchedHintsConfig sched_hints;
  AlertConfig alerts;
};

// The embedded defaults, as YAML text.
const char* DefaultConfigYaml();
// Defaults, then `path` over them (when non-empty).
Result<Config> LoadConfig(const std::string& path);
// Defaults, then `yaml` over them; `origin` names the text in errors.
Result<Config> ParseConfig(const std::string& yaml, const std::string& origin);

// "1500ms", "1s", "5m", "2h", "7d" -> milliseconds.
Result<TimeMs> ParseDuration(const std::string& text);
// "512", "64KiB", "64MiB", "1G", "2GiB" -> bytes.
Result<uint64_t> ParseSize(const std::string& text);

}  // namespace hostmind
