#include "cli/agent.h"

#include <unistd.h>

#include <filesystem>

#include <spdlog/spdlog.h>

#include "cli/agent_metrics.h"
#include "cli/routes_metrics.h"
#include "cli/agent_security.h"
#include "collect/cgroup_collector.h"
#include "collect/cpu_collector.h"
#include "collect/disk_collector.h"
#include "collect/filesystem_collector.h"
#include "collect/journal_collector.h"
#include "collect/kmsg_collector.h"
#include "collect/logfile_collector.h"
#include "collect/memory_collector.h"
#include "collect/network_collector.h"
#include "collect/pressure.h"
#include "collect/process_collector.h"
#include "collect/self_collector.h"
#include "cli/prefetch_unit.h"
#include "alert/alert_api.h"
#include "cli/routes_alloc.h"
#include "cli/routes_logs.h"
#include "cli/routes_prefetch.h"
#include "serve/core_api.h"

namespace hostmind {

std::vector<ScheduledCollector> BuildCollectors(const Config& config) {
  const CollectConfig& c = config.collect;
  std::vector<ScheduledCollector> out;
  auto add = [&](std::unique_ptr<Collector> collector) {
    std::string name = collector->name();
    if (c.Enabled(name)) out.push_back({std::move(collector), c.IntervalOf(name)});
  };
  add(std::make_unique<CpuCollector>());
  add(std::make_unique<MemoryCollector>());
  add(std::make_unique<PressureCollector>());
  add(std::make_unique<DiskCollector>());
  add(std::make_unique<FilesystemCollector>(c.fs_ignore_types));
  add(std::make_unique<NetworkCollector>());
  add(std::make_unique<ProcessCollector>(c.top_n));
  add(std::make_unique<CgroupCollector>());
  add(std::make_unique<JournalCollector>());
  add(std::make_unique<KmsgCollector>());
  add(std::make_unique<LogFileCollector>(c.log_files, static_cast<size_t>(c.max_line_bytes)));
  add(std::make_unique<SelfCollector>());
  return out;
}

std::vector<std::unique_ptr<Analyzer>> BuildAnalyzers(const Config& config, Store& store) {
  std::vector<std::unique_ptr<Analyzer>> out;
  if (auto security = BuildSecurityAnalyzer(config)) out.push_back(std::move(security));
  LogAnalyzerConfig log_config;
  log_config.warmup = config.logs.warmup_ms;
  log_config.warmup_lines = static_cast<uint64_t>(config.logs.warmup_lines);
  log_config.miner.max_templates = static_cast<uint32_t>(config.logs.max_templates);
  log_config.max_findings_per_minute = static_cast<uint32_t>(config.logs.max_findings_per_minute);
  auto logs = std::make_unique<LogAnalyzer>(log_config);
  LoadLogState(store, *logs);
  out.push_back(std::move(logs));
  for (auto& a : BuildMetricAnalyzers(config)) out.push_back(std::move(a));
  return out;
}

std::string ResolveHostname(const Config& config) {
  if (!config.agent.hostname.empty()) return config.agent.hostname;
  char buf[256] = {};
  if (gethostname(buf, sizeof buf - 1) != 0) return "localhost";
  return buf;
}

Result<std::unique_ptr<Agent>> Agent::Create(const Config& config) {
  std::error_code ec;
  std::filesystem::create_directories(config.agent.state_dir, ec);
  if (ec) return Status::IoError("create state dir " + config.agent.state_dir + ": " + ec.message());
  auto store = Store::Open(config.agent.state_dir + "/hostmind.db");
  if (!store.ok()) return store.status();
  std::unique_ptr<Agent> agent(new Agent(config, std::move(*store)));
  HM_RETURN_IF_ERROR(agent->AttachJobs());
  HM_RETURN_IF_ERROR(agent->AddAlerting());
  return agent;
}

Status Agent::AttachJobs() {
  std::error_code ec;
  const std::string self = std::filesystem::read_symlink("/proc/self/exe", ec).string();
  auto jobs = JobsFeature::Create(config_, *store_, clock_, self);
  if (!jobs.ok()) return jobs.status();
  jobs_ = std::move(*jobs);
  if (Analyzer* a = jobs_->analyzer()) pipeline_.AddAnalyzer(a);
  if (Actuator* a = jobs_->actuator()) {
    hint_runner_ = std::make_unique<ActuatorRunner>(clock_, config_.sched_hints.interval_ms);
    hint_runner_->Add(a);
  }
  jobs_->RegisterRoutes(*http_);
  return Status::Ok();
}

Agent::Agent(const Config& config, std::unique_ptr<Store> store)
    : config_(config),
      env_(config.collect.root),
      store_(std::move(store)),
      series_(config.store.raw_window_ms),
      store_sink_(*store_, series_, config.store),
      pipeline_(env_, clock_, static_cast<size_t>(config.collect.queue_capacity)),
      writer_(config.collect.root) {
  for (auto& c : BuildCollectors(config_)) pipeline_.AddCollector(std::move(c.collector), c.interval_ms);
  // Live only (its events do not come through HostEnv, so record/replay leave it out).
  if (auto sensor = BuildSensorCollector(config_))
    pipeline_.AddCollector(std::move(sensor), config_.collect.IntervalOf("sensor"));
  analyzers_ = BuildAnalyzers(config_, *store_);
  for (auto& a : analyzers_) pipeline_.AddAnalyzer(a.get());
  pipeline_.AddAnalyzer(&inbox_);
  pipeline_.AddSink(&store_sink_);
  http_ = std::make_unique<HttpServer>(
      HttpServerOptions{config.http.listen, config.http.port, config.http.token, config.http.token_for_reads});
  CoreApiContext api;
  api.pipeline = &pipeline_;
  api.series = &series_;
  api.store = store_.get();
  api.clock = &clock_;
  api.hostname = ResolveHostname(config_);
  api.started_at = clock_.Now();
  api.health_extensions.push_back([this](nlohmann::json& h) {
    if (alerts_) h["alerting"] = alerts_->HealthJson();
  });
  api.health_extensions.push_back([this](nlohmann::json& h) { DescribeActuators(h); });
  AddMetricAnnotators(api, analyzers_);
  RegisterCoreApi(*http_, api);
  for (auto& a : analyzers_) {
    if (auto* logs = dynamic_cast<LogAnalyzer*>(a.get())) {
      RegisterLogRoutes(*http_, *logs);
      log_saver_ = std::make_unique<LogStateSaver>(*store_, *logs, 10 * kMsPerMinute);
      pipeline_.AddSink(log_saver_.get());
    }
  }
  RegisterMetricRoutes(*http_, analyzers_);
  RegisterFindingInbox(*http_, inbox_, clock_);
  BuildActuators();
}

void Agent::BuildActuators() {
  const AllocConfig& c = config_.alloc;
  if (auto audit = ActionAudit::Open(*store_); audit.ok()) audit_ = std::move(*audit);
  actuators_ = std::make_unique<ActuatorRunner>(clock_, c.interval_ms);
  CgroupController::Deps deps;
  deps.env = &env_;
  deps.writer = &writer_;
  deps.store = store_.get();
  deps.clock = &clock_;
  deps.metric = [this](const std::string& id) -> std::optional<double> {
    for (const auto& s : series_.LiveSeries())
      if (s.key.id() == id) return s.value;
    return std::nullopt;
  };
  // The controller also serves the OOM guard's freeze and throttle, so it is built whenever
  // cgroups exist; it acts only on configured workloads.
  auto controller = CgroupController::Create(c, deps);
  if (controller.ok()) {
    alloc_ = std::move(*controller);
    if (!c.workloads.empty()) actuators_->Add(alloc_.get());
  } else if (!c.workloads.empty()) {
    spdlog::error("alloc: cgroup controller unavailable, {} workload(s) left alone: {}", c.workloads.size(),
                  controller.status().ToString());
  }
  if (c.oom.enabled) {
    OomGuard::Deps od{&env_, &writer_, store_.get(), &clock_, alloc_ ? &alloc_->control() : nullptr, c.subtree, static_cast<int>(getpid())};
    oom_guard_ = std::make_unique<OomGuard>(c.oom, ParseActMode(c.mode).value_or(ActMode::kObserve), od);
    actuators_->Add(oom_guard_.get());
  }
  if (audit_) RegisterAllocRoutes(*http_, audit_.get(), c.workloads.empty() ? nullptr : alloc_.get());
  // The prefetcher acts at each exec, from the tracer's thread, and learns on the analysis
  // thread: an analyzer, live only (a replay must not prefetch), audited like every actuator.
  if (config_.prefetch.enabled) {
    prefetch_ = PrefetchUnit::Create(config_.prefetch, *store_, audit_.get());
    pipeline_.AddAnalyzer(prefetch_.get());
    RegisterPrefetchRoutes(*http_, prefetch_->analyzer());
  }
}

// Each actuator with its mode, for health["actors"] (the dashboard's and `hostmind top`'s "what the
// agent is doing"). Reads only what is fixed after construction: no lock with the actuator thread.
void Agent::DescribeActuators(nlohmann::json& h) const {
  const AllocConfig& c = config_.alloc;
  std::string alloc_detail = c.workloads.empty() ? "no workloads configured (alloc.workloads)"
                             : !alloc_              ? "cgroups unavailable: workloads left alone"
                                                    : std::to_string(c.workloads.size()) + " workload(s) under control";
  h["actors"].push_back({{"name", "cgroup controller"}, {"mode", c.workloads.empty() || !alloc_ ? "off" : c.mode}, {"detail", alloc_detail}});
  h["actors"].push_back({{"name", "OOM guard"}, {"mode", oom_guard_ ? c.mode : "off"},
                         {"detail", oom_guard_ ? "policy " + c.oom.policy + ", acts " + std::to_string(c.oom.horizon_ms / 1000) +
                                                     " s before MemAvailable < " + std::to_string(c.oom.min_available >> 20) + " MiB"
                                               : "alloc.oom.enabled is false"}});
}

Status Agent::AddAlerting() {
  auto alerts = AlertSink::Create(config_.alerts, ResolveHostname(config_), *store_, clock_);
  if (!alerts.ok()) return alerts.status();
  alerts_ = *std::move(alerts);
  pipeline_.AddSink(alerts_.get());
  RegisterAlertApi(*http_, *alerts_);
  return Status::Ok();
}

Agent::~Agent() { Stop(); }

Status Agent::Start() {
  // Hand each collector the durable positions it committed before the last stop.
  auto state = store_->LoadState();
  for (size_t i = 0; i < pipeline_.collector_count(); ++i)
    for (const auto& [k, v] : state) pipeline_.RestoreCollector(i, k, v);
  HM_RETURN_IF_ERROR(actuators_->Start());
  if (hint_runner_) HM_RETURN_IF_ERROR(hint_runner_->Start());
  HM_RETURN_IF_ERROR(jobs_->Start());
  HM_RETURN_IF_ERROR(http_->Start());
  alerts_->Start();
  pipeline_.Start();
  running_ = true;
  spdlog::info("hostmind listening on http://{}:{}/ with state in {}", config_.http.listen, http_->port(),
               config_.agent.state_dir);
  return Status::Ok();
}

void Agent::Stop() {
  if (!running_) return;
  running_ = false;
  actuators_->Stop();  // puts back every cgroup value the actuators changed
  if (hint_runner_) hint_runner_->Stop();
  pipeline_.Stop();  // drains the queue and flushes the store
  jobs_->Stop();     // running jobs go on running; the next start adopts them
  http_->Stop();
  spdlog::info("hostmind stopped; state flushed to {}", config_.agent.state_dir);
}

}  // namespace hostmind
