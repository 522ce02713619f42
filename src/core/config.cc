#include "core/config.h"

#include <yaml-cpp/yaml.h>

#include <cctype>
#include <fstream>
#include <set>
#include <sstream>

#include "core/default_config.h"

namespace hostmind {

namespace {

// Walks one YAML mapping, converting known keys and remembering them so that whatever is left
// over can be reported as unknown. The first error wins; later calls become no-ops.
class SectionReader {
 public:
  SectionReader(YAML::Node node, std::string path, const std::string& origin, Status* error)
      : node_(std::move(node)), path_(std::move(path)), origin_(origin), error_(error) {
    if (node_ && !node_.IsNull() && !node_.IsMap()) Fail(node_, "expected a mapping");
  }

  void Str(const char* key, std::string& out) {
    if (auto n = Take(key)) {
      if (!n.IsScalar()) return Fail(n, KeyPath(key) + ": expected a string");
      out = n.as<std::string>();
    }
  }
  void Int(const char* key, int& out, long min, long max) {
    if (auto n = Take(key)) {
      long v = 0;
      if (!n.IsScalar() || !YAML::convert<long>::decode(n, v) || v < min || v > max)
        return Fail(n, KeyPath(key) + ": expected an integer in [" + std::to_string(min) + ", " +
                           std::to_string(max) + "], got '" + Scalar(n) + "'");
      out = static_cast<int>(v);
    }
  }
  void Bool(const char* key, bool& out) {
    if (auto n = Take(key)) {
      if (!n.IsScalar() || !YAML::convert<bool>::decode(n, out))
        return Fail(n, KeyPath(key) + ": expected true or false, got '" + Scalar(n) + "'");
    }
  }
  void Duration(const char* key, TimeMs& out) {
    if (auto n = Take(key)) {
      auto d = n.IsScalar() ? ParseDuration(n.Scalar()) : Result<TimeMs>(Status::InvalidArgument(""));
      if (!d.ok() || *d <= 0)
        return Fail(n, KeyPath(key) + ": expected a positive duration like 500ms, 1s, 5m, 2h or 7d, got '" +
                           Scalar(n) + "'");
      out = *d;
    }
  }
  void Size(const char* key, uint64_t& out) {
    if (auto n = Take(key)) {
      auto v = n.IsScalar() ? ParseSize(n.Scalar()) : Result<uint64_t>(Status::InvalidArgument(""));
      if (!v.ok()) return Fail(n, KeyPath(key) + ": expected a size like 512KiB or 8MiB, got '" + Scalar(n) + "'");
      out = *v;
    }
  }
  void Double(const char* key, double& out, double min, double max) {
    if (auto n = Take(key)) {
      double v = 0;
      if (!n.IsScalar() || !YAML::convert<double>::decode(n, v) || v < min || v > max)
        return Fail(n, KeyPath(key) + ": expected a number in [" + std::to_string(min).substr(0, 4) + ", " +
                           std::to_string(max).substr(0, 4) + "], got '" + Scalar(n) + "'");
      out = v;
    }
  }
  void StrList(const char* key, std::vector<std::string>& out) {
    if (auto n = Take(key)) {
      if (!n.IsSequence()) return Fail(n, KeyPath(key) + ": expected a list of strings");
      out.clear();
      for (const auto& item : n) {
        if (!item.IsScalar()) return Fail(item, KeyPath(key) + ": expected a list of strings");
        out.push_back(item.as<std::string>());
      }
    }
  }
  // Items of a list of mappings (e.g. alloc.workloads), each with its own sub-section.
  std::vector<SectionReader> Items(const char* key) {
    std::vector<SectionReader> out;
    auto n = Take(key);
    if (!n) return out;
    if (!n.IsSequence()) {
      Fail(n, KeyPath(key) + ": expected a list");
      return out;
    }
    for (size_t i = 0; i < n.size(); ++i)
      out.emplace_back(n[i], KeyPath(key) + "[" + std::to_string(i) + "]", origin_, error_);
    return out;
  }
  SectionReader Sub(const char* key) { return SectionReader(Take(key), KeyPath(key), origin_, error_); }
  // Keys of a mapping whose keys are names (e.g. collectors), each with a sub-section.
  std::vector<std::pair<std::string, SectionReader>> Entries() {
    std::vector<std::pair<std::string, SectionReader>> out;
    if (!node_ || !node_.IsMap()) return out;
    for (const auto& kv : node_) {
      std::string k = kv.first.as<std::string>();
      known_.insert(k);
      out.emplace_back(k, SectionReader(kv.second, KeyPath(k.c_str()), origin_, error_));
    }
    return out;
  }
  // Reports the first key nobody asked for.
  void Finish() {
    if (!node_ || !node_.IsMap()) return;
    for (const auto& kv : node_) {
      std::string k = kv.first.as<std::string>();
      if (!known_.count(k)) return Fail(kv.first, "unknown key '" + KeyPath(k.c_str()) + "'");
    }
  }
  void Fail(const YAML::Node& at, const std::string& what) {
    if (!error_->ok()) return;
    *error_ = Status::InvalidArgument(origin_ + ":" + std::to_string(at.Mark().line + 1) + ": " + what);
  }
  void FailHere(const std::string& what) { Fail(node_, what); }
  const std::string& path() const { return path_; }

 private:
  YAML::Node Take(const char* key) {
    known_.insert(key);
    if (!error_->ok() || !node_ || !node_.IsMap()) return YAML::Node(YAML::NodeType::Undefined);
    YAML::Node n = node_[key];
    if (!n || n.IsNull()) return YAML::Node(YAML::NodeType::Undefined);
    return n;
  }
  std::string KeyPath(const char* key) const { return path_.empty() ? key : path_ + "." + key; }
  static std::string FormatNumber(double v) {
    std::ostringstream o;
    o << v;
    return o.str();
  }
  static std::string Scalar(const YAML::Node& n) { return n.IsScalar() ? n.Scalar() : "<not a scalar>"; }

  YAML::Node node_;
  std::string path_;
  const std::string& origin_;
  Status* error_;
  std::set<std::string> known_;
};

const std::set<std::string>& KnownCollectors() {
  static const std::set<std::string> names = {"cpu",       "memory",  "pressure", "disks", "filesystems", "network",
                                              "processes", "cgroups", "journal",  "kmsg",  "logfiles",    "self"};
  return names;
}

void ReadCollect(SectionReader s, CollectConfig& c) {
  s.Str("root", c.root);
  s.Duration("interval", c.interval_ms);
  s.Int("queue_capacity", c.queue_capacity, 1, 1 << 20);
  SectionReader collectors = s.Sub("collectors");
  for (auto& [name, entry] : collectors.Entries()) {
    if (!KnownCollectors().count(name)) {
      entry.FailHere("unknown collector '" + name + "' in " + entry.path());
      continue;
    }
    CollectorConfig& cc = c.collectors[name];
    entry.Bool("enabled", cc.enabled);
    entry.Duration("interval", cc.interval_ms);
    entry.Finish();
  }
  collectors.Finish();
  SectionReader processes = s.Sub("processes");
  processes.Int("top_n", c.top_n, 0, 10000);
  processes.Finish();
  SectionReader fs = s.Sub("filesystems");
  fs.StrList("ignore_types", c.fs_ignore_types);
  fs.Finish();
  SectionReader logs = s.Sub("logs");
  logs.StrList("files", c.log_files);
  logs.Int("max_line_bytes", c.max_line_bytes, 256, 16 << 20);
  logs.Finish();
  s.Finish();
}

void ReadSecurity(SectionReader s, SecurityConfig& c) {
  SectionReader sensor = s.Sub("sensor");
  sensor.Bool("enabled", c.sensor_enabled);
  sensor.Bool("ebpf", c.ebpf);
  sensor.StrList("open_prefixes", c.open_prefixes);
  if (c.open_prefixes.size() > 16) sensor.FailHere("security.sensor.open_prefixes: at most 16 prefixes");
  for (const auto& p : c.open_prefixes)
    if (p.empty() || p.size() > 63) sensor.FailHere("security.sensor.open_prefixes: '" + p + "' must have 1 to 63 bytes");
  sensor.Bool("syscall_profiles", c.syscall_profiles);
  sensor.Bool("syscall_results", c.syscall_results);
  sensor.Size("ring_buffer", c.ring_buffer_bytes);
  if (c.ring_buffer_bytes < 4096 || (c.ring_buffer_bytes & (c.ring_buffer_bytes - 1)) != 0)
    sensor.FailHere("security.sensor.ring_buffer: must be a power of two of at least 4KiB, like 8MiB");
  sensor.Int("queue_capacity", c.queue_capacity, 1024, 1 << 24);
  sensor.Finish();
  SectionReader rules = s.Sub("rules");
  rules.Bool("enabled", c.rules_enabled);
  rules.Bool("builtin", c.builtin_rules);
  rules.StrList("files", c.rule_files);
  rules.Bool("allow_actions", c.allow_actions);
  rules.Finish();
  SectionReader behaviour = s.Sub("behaviour");
  behaviour.Bool("enabled", c.behaviour_enabled);
  behaviour.Duration("learning_window", c.learning_window_ms);
  behaviour.Double("min_distance", c.min_distance, 0, 1);
  behaviour.Int("max_profiles", c.max_profiles, 1, 1 << 20);
  behaviour.Finish();
  s.Finish();
}

void ReadAlloc(SectionReader s, AllocConfig& c) {
  s.Str("mode", c.mode);
  s.Duration("interval", c.interval_ms);
  s.Str("subtree", c.subtree);
  s.Duration("min_change_interval", c.min_change_interval_ms);
  s.Double("max_step", c.max_step, 0.01, 1);
  s.Double("memory_pressure_target", c.memory_pressure_target, 0.0001, 1);
  auto items = s.Items("workloads");
  if (!items.empty()) c.workloads.clear();
  for (auto& w : items) {
    AllocWorkloadConfig wc;
    w.Str("name", wc.name);
    w.Str("path", wc.path);
    w.Str("class", wc.klass);
    w.Double("cpu_min", wc.cpu_min, 0, 4096);
    w.Double("cpu_max", wc.cpu_max, 0, 4096);
    w.Size("memory_min", wc.memory_min);
    w.Size("memory_max", wc.memory_max);
    w.Str("latency_metric", wc.latency_metric);
    w.Double("latency_target", wc.latency_target, 0, 1e12);
    if (wc.name.empty()) w.FailHere(w.path() + ".name: every workload needs a name");
    if (wc.klass != "latency-critical" && wc.klass != "batch")
      w.FailHere(w.path() + ".class: expected latency-critical or batch, got '" + wc.klass + "'");
    if (wc.cpu_max > 0 && wc.cpu_max < wc.cpu_min) w.FailHere(w.path() + ": cpu_max is below cpu_min");
    if (wc.memory_max > 0 && wc.memory_max < wc.memory_min) w.FailHere(w.path() + ": memory_max is below memory_min");
    w.Finish();
    c.workloads.push_back(std::move(wc));
  }
  SectionReader oom = s.Sub("oom");
  oom.Bool("enabled", c.oom.enabled);
  oom.Duration("horizon", c.oom.horizon_ms);
  oom.Size("min_available", c.oom.min_available);
  oom.Str("policy", c.oom.policy);
  oom.StrList("exclude", c.oom.exclude);
  oom.Finish();
  s.Finish();
}

void ReadMetrics(SectionReader s, MetricsConfig& c) {
  SectionReader anomalies = s.Sub("anomalies");
  anomalies.Bool("enabled", c.anomalies_enabled);
  anomalies.Duration("step", c.step_ms);
  anomalies.Int("warmup_steps", c.warmup_steps, 1, 1 << 24);
  anomalies.Int("max_series", c.max_series, 1, 1 << 22);
  anomalies.Duration("incident_window", c.incident_window_ms);
  if (c.step_ms <= 0) anomalies.FailHere("metrics.anomalies.step: must be positive");
  anomalies.Finish();
  SectionReader forecasts = s.Sub("forecasts");
  forecasts.Bool("enabled", c.forecasts_enabled);
  forecasts.Duration("horizon", c.horizon_ms);
  forecasts.Duration("critical", c.critical_ms);
  forecasts.Duration("leak_after", c.leak_after_ms);
  forecasts.Int("max_resources", c.max_resources, 1, 1 << 20);
  forecasts.Finish();
  s.Finish();
}

void ReadPrefetch(SectionReader s, PrefetchConfig& c) {
  s.Bool("enabled", c.enabled);
  s.Str("mode", c.mode);
  s.Str("tracer", c.tracer);
  s.Duration("learn_window", c.learn_window_ms);
  s.Size("memory_budget", c.memory_budget);
  s.Double("min_probability", c.min_probability, 0.01, 1);
  s.Double("child_min_probability", c.child_min_probability, 0.01, 1);
  s.Bool("predict", c.predict);
  s.Double("predict_min_probability", c.predict_min_probability, 0.01, 1);
  s.Duration("predict_horizon", c.predict_horizon_ms);
  s.Duration("predict_interval", c.predict_interval_ms);
  s.Size("guess_reserve", c.guess_reserve);
  s.Double("psi_limit", c.psi_limit, 0, 1);
  s.Int("io_threads", c.io_threads, 1, 64);
  s.Size("io_piece", c.io_piece);
  s.Duration("order_slice", c.order_slice_ms);
  s.Int("warm_directories", c.warm_directories, 0, 4096);
  s.Int("max_programs", c.max_programs, 1, 1 << 20);
  s.StrList("interpreters", c.interpreters);
  static const std::set<std::string> modes = {"observe", "recommend", "enforce"};
  if (!modes.count(c.mode)) s.FailHere("prefetch.mode: expected observe, recommend or enforce, got '" + c.mode + "'");
  static const std::set<std::string> tracers = {"auto", "ebpf", "fanotify"};
  if (!tracers.count(c.tracer)) s.FailHere("prefetch.tracer: expected auto, ebpf or fanotify, got '" + c.tracer + "'");
  if (c.learn_window_ms > 60 * kMsPerSecond) s.FailHere("prefetch.learn_window: at most 60s");
  if (c.memory_budget < (1 << 20)) s.FailHere("prefetch.memory_budget: at least 1MiB");
  if (c.predict_interval_ms < 100) s.FailHere("prefetch.predict_interval: at least 100ms");
  s.Finish();
}

void ReadAlerts(SectionReader s, AlertConfig& c) {
  s.Str("min_severity", c.min_severity);
  s.Duration("repeat_interval", c.repeat_interval_ms);
  s.Duration("resolve_after", c.resolve_after_ms);
  s.Int("queue_capacity", c.queue_capacity, 1, 10000000);
  s.Duration("retry_initial", c.retry_initial_ms);
  s.Duration("retry_max", c.retry_max_ms);
  s.Str("dashboard_url", c.dashboard_url);
  SectionReader log = s.Sub("log");
  log.Bool("enabled", c.log);
  log.Finish();
  SectionReader webhook = s.Sub("webhook");
  webhook.StrList("urls", c.webhook_urls);
  webhook.Duration("timeout", c.webhook_timeout_ms);
  webhook.Finish();
  SectionReader nats = s.Sub("nats");
  nats.Str("url", c.nats_url);
  nats.Str("subject_prefix", c.nats_subject_prefix);
  nats.Bool("events", c.nats_events);
  nats.Finish();
  s.Finish();
}

// Overlays `yaml` onto `config`.
Status Overlay(const std::string& yaml, const std::string& origin, Config& config) {
  YAML::Node root;
  try {
    root = YAML::Load(yaml);
  } catch (const YAML::Exception& e) {
    return Status::InvalidArgument(origin + ":" + std::to_string(e.mark.line + 1) + ": " + e.msg);
  }
  if (!root || root.IsNull()) return Status::Ok();
  Status error;
  SectionReader top(root, "", origin, &error);

  SectionReader agent = top.Sub("agent");
  agent.Str("state_dir", config.agent.state_dir);
  agent.Str("log_level", config.agent.log_level);
  agent.Str("hostname", config.agent.hostname);
  agent.Finish();

  SectionReader http = top.Sub("http");
  http.Str("listen", config.http.listen);
  http.Int("port", config.http.port, 0, 65535);
  http.Str("token", config.http.token);
  http.Bool("token_for_reads", config.http.token_for_reads);
  http.Finish();

  ReadCollect(top.Sub("collect"), config.collect);

  SectionReader store = top.Sub("store");
  store.Duration("raw_window", config.store.raw_window_ms);
  store.Duration("rollup_interval", config.store.rollup_interval_ms);
  store.Duration("retention", config.store.retention_ms);
  store.Finish();

  ReadSecurity(top.Sub("security"), config.security);
  ReadAlloc(top.Sub("alloc"), config.alloc);
  SectionReader logs = top.Sub("logs");
  logs.Duration("warmup", config.logs.warmup_ms);
  logs.Int("warmup_lines", config.logs.warmup_lines, 0, 1 << 30);
  logs.Int("max_templates", config.logs.max_templates, 10, 1 << 22);
  logs.Int("max_findings_per_minute", config.logs.max_findings_per_minute, 0, 1 << 20);
  logs.Finish();
  ReadMetrics(top.Sub("metrics"), config.metrics);
  ReadPrefetch(top.Sub("prefetch"), config.prefetch);
  ReadAlerts(top.Sub("alerts"), config.alerts);

  SectionReader jobs = top.Sub("jobs");
  jobs.Bool("enabled", config.jobs.enabled);
  jobs.Double("cpus", config.jobs.cpus, 0, 1 << 20);
  jobs.Size("memory", config.jobs.memory_bytes);
  jobs.Str("policy", config.jobs.policy);
  jobs.Duration("default_limit", config.jobs.default_limit_ms);
  jobs.Duration("max_limit", config.jobs.max_limit_ms);
  jobs.Duration("kill_grace", config.jobs.kill_grace_ms);
  jobs.Str("cgroup_parent", config.jobs.cgroup_parent);
  jobs.Finish();

  SectionReader predict = top.Sub("predict");
  predict.Bool("learn_processes", config.predict.learn_processes);
  predict.Int("window", config.predict.window, 100, 1000000);
  predict.Int("retrain_every", config.predict.retrain_every, 10, 1000000);
  predict.Duration("save_interval", config.predict.save_interval_ms);
  predict.Finish();

  SectionReader hints = top.Sub("sched_hints");
  hints.Bool("enabled", config.sched_hints.enabled);
  hints.Str("mode", config.sched_hints.mode);
  hints.Duration("long_after", config.sched_hints.long_after_ms);
  hints.Double("min_cpu", config.sched_hints.min_cpu, 0, 64);
  hints.Duration("min_age", config.sched_hints.min_age_ms);
  hints.Duration("slice", config.sched_hints.slice_ms);
  hints.Duration("interval", config.sched_hints.interval_ms);
  hints.Finish();

  top.Finish();
  if (!error.ok()) return error;

  static const std::set<std::string> levels = {"trace", "debug", "info", "warn", "error"};
  if (!levels.count(config.agent.log_level))
    return Status::InvalidArgument(origin + ": agent.log_level: expected trace, debug, info, warn or error, got '" +
                                   config.agent.log_level + "'");
  static const std::set<std::string> modes = {"observe", "recommend", "enforce"};
  if (!modes.count(config.alloc.mode))
    return Status::InvalidArgument(origin + ": alloc.mode: expected observe, recommend or enforce, got '" +
                                   config.alloc.mode + "'");
  if (!modes.count(config.sched_hints.mode))
    return Status::InvalidArgument(origin + ": sched_hints.mode: expected observe, recommend or enforce, got '" +
                                   config.sched_hints.mode + "'");
  if (config.sched_hints.slice_ms != 0 && (config.sched_hints.slice_ms < 1 || config.sched_hints.slice_ms > 100))
    return Status::InvalidArgument(origin + ": sched_hints.slice: the kernel takes custom slices of 0.1 to 100 ms");
  if (config.sched_hints.interval_ms <= 0)
    return Status::InvalidArgument(origin + ": sched_hints.interval: must be positive");
  static const std::set<std::string> policies = {"kill", "freeze", "throttle"};
  if (!policies.count(config.alloc.oom.policy))
    return Status::InvalidArgument(origin + ": alloc.oom.policy: expected kill, freeze or throttle, got '" +
                                   config.alloc.oom.policy + "'");
  static const std::set<std::string> severities = {"info", "warning", "critical"};
  if (!severities.count(config.alerts.min_severity))
    return Status::InvalidArgument(origin + ": alerts.min_severity: expected info, warning or critical, got '" +
                                   config.alerts.min_severity + "'");
  for (const auto& url : config.alerts.webhook_urls)
    if (url.rfind("http://", 0) != 0 && url.rfind("https://", 0) != 0)
      return Status::InvalidArgument(origin + ": alerts.webhook.urls: '" + url + "' is not an http(s):// URL");
  return Status::Ok();
}

}  // namespace

TimeMs CollectConfig::IntervalOf(const std::string& name) const {
  auto it = collectors.find(name);
  return it != collectors.end() && it->second.interval_ms > 0 ? it->second.interval_ms : interval_ms;
}

bool CollectConfig::Enabled(const std::string& name) const {
  auto it = collectors.find(name);
  return it == collectors.end() || it->second.enabled;
}

const char* DefaultConfigYaml() { return kDefaultConfigYaml; }

Result<Config> ParseConfig(const std::string& yaml, const std::string& origin) {
  Config config;
  HM_RETURN_IF_ERROR(Overlay(kDefaultConfigYaml, "<embedded defaults>", config));
  HM_RETURN_IF_ERROR(Overlay(yaml, origin, config));
  return config;
}

Result<Config> LoadConfig(const std::string& path) {
  if (path.empty()) return ParseConfig("", "<none>");
  std::ifstream in(path);
  if (!in) return Status::NotFound("config " + path + ": cannot open");
  std::stringstream text;
  text << in.rdbuf();
  return ParseConfig(text.str(), path);
}

Result<TimeMs> ParseDuration(const std::string& text) {
  size_t i = 0;
  while (i < text.size() && (std::isdigit(static_cast<unsigned char>(text[i])) || text[i] == '.')) ++i;
  if (i == 0) return Status::InvalidArgument("duration '" + text + "': no number");
  double n = std::stod(text.substr(0, i));
  std::string unit = text.substr(i);
  double ms;
  if (unit == "ms") ms = n;
  else if (unit == "s") ms = n * 1e3;
  else if (unit == "m") ms = n * 6e4;
  else if (unit == "h") ms = n * 3.6e6;
  else if (unit == "d") ms = n * 8.64e7;
  else return Status::InvalidArgument("duration '" + text + "': unit must be ms, s, m, h or d");
  return static_cast<TimeMs>(ms);
}

Result<uint64_t> ParseSize(const std::string& text) {
  size_t i = 0;
  while (i < text.size() && (std::isdigit(static_cast<unsigned char>(text[i])) || text[i] == '.')) ++i;
  if (i == 0) return Status::InvalidArgument("size '" + text + "': no number");
  double n = std::stod(text.substr(0, i));
  std::string unit = text.substr(i);
  static const std::pair<const char*, double> units[] = {
      {"", 1},          {"B", 1},           {"K", 1e3},        {"KB", 1e3},           {"KiB", 1024.0},
      {"M", 1e6},       {"MB", 1e6},        {"MiB", 1048576.0}, {"G", 1e9},           {"GB", 1e9},
      {"GiB", 1073741824.0}, {"T", 1e12},   {"TB", 1e12},      {"TiB", 1099511627776.0}};
  for (const auto& [name, mult] : units)
    if (unit == name) return static_cast<uint64_t>(n * mult);
  return Status::InvalidArgument("size '" + text + "': unit must be one of B, K, KiB, M, MiB, G, GiB, T, TiB");
}

}  // namespace hostmind
