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

struct Config {
  AgentConfig agent;
  HttpConfig http;
  CollectConfig collect;
  StoreConfig store;
  SecurityConfig security;
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
