#include "cli/agent_security.h"

#include <pwd.h>
#include <signal.h>

#include <cerrno>

#include <spdlog/spdlog.h>

#include "collect/sensor/proc_fallback.h"
#include "collect/sensor/sensor_collector.h"
#include "detect/rules/default_rules.h"
#include "detect/security_analyzer.h"

namespace hostmind {

std::unique_ptr<Collector> BuildSensorCollector(const Config& config) {
  const SecurityConfig& s = config.security;
  if (!s.sensor_enabled) return nullptr;
  SensorCollectorOptions o;
  o.ebpf = s.ebpf;
  o.sensor.open_prefixes = s.open_prefixes;
  o.sensor.syscall_profiles = s.syscall_profiles;
  o.sensor.syscall_results = s.syscall_results;
  o.sensor.ring_buffer_bytes = s.ring_buffer_bytes;
  o.sensor.queue_capacity = static_cast<size_t>(s.queue_capacity);
  return std::make_unique<SensorCollector>(std::move(o));
}

std::unique_ptr<Analyzer> BuildSecurityAnalyzer(const Config& config) {
  const SecurityConfig& s = config.security;
  if (!s.rules_enabled && !s.behaviour_enabled) return nullptr;
  std::unique_ptr<rules::RuleEngine> engine;
  if (s.rules_enabled) {
    rules::RuleSet set;
    if (s.builtin_rules) {
      Status b = set.AddYaml(rules::kDefaultRulesYaml, rules::kDefaultRulesOrigin);
      if (!b.ok()) spdlog::error("security rules: {}", b.message());
    }
    for (const auto& file : s.rule_files)
      if (Status f = set.AddFile(file); !f.ok()) spdlog::error("security rules: invalid rule file: {}", f.message());
    engine = rules::RuleEngine::Build(set);
    size_t skipped = 0;
    for (const auto& r : engine->report()) {
      if (r.state == rules::RuleState::kInvalid) spdlog::error("security rules: {}", r.reason);
      if (r.state == rules::RuleState::kSkipped) {
        ++skipped;
        spdlog::info("security rules: skipped '{}' ({}): {}", r.name, r.pos.ToString(), r.reason);
      }
    }
    spdlog::info("security rules: {} loaded, {} skipped", engine->loaded_count(), skipped);
  }
  SecurityOptions opts;
  opts.allow_actions = s.allow_actions;
  opts.behaviour = s.behaviour_enabled;
  opts.behaviour_options.learning_ms = s.learning_window_ms;
  opts.behaviour_options.min_distance = s.min_distance;
  opts.behaviour_options.max_profiles = static_cast<size_t>(s.max_profiles);
  auto analyzer = std::make_unique<SecurityAnalyzer>(std::move(engine), opts);
  auto env = std::make_shared<DiskHostEnv>(config.collect.root);
  analyzer->SetResolver([env](int32_t pid) -> std::optional<ProcessInfo> {
    auto e = ReadProcessExec(*env, pid);
    if (!e.ok()) return std::nullopt;
    ProcessInfo p;
    p.pid = pid;
    ApplyExec(*e, p);
    return p;
  });
  analyzer->SetUserNames([](uint32_t uid) {
    passwd pw{}, *found = nullptr;
    char buf[1024];
    if (getpwuid_r(uid, &pw, buf, sizeof(buf), &found) == 0 && found) return std::string(pw.pw_name);
    return std::to_string(uid);
  });
  analyzer->SetKiller([](int32_t pid) {
    if (pid <= 1) return Status::InvalidArgument("refusing to kill pid " + std::to_string(pid));
    if (kill(pid, SIGKILL) != 0) return Status::FromErrno(errno, "kill " + std::to_string(pid));
    return Status::Ok();
  });
  return analyzer;
}

}  // namespace hostmind
