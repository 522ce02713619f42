#pragma once
// The agent assembled from its configuration: collectors, analyzers and sinks on one pipeline,
// the SQLite store, the in-memory series and the HTTP server. `hostmind run` drives it live;
// `hostmind replay` and `hostmind record` build the same collectors and analyzers through the
// functions below, so every path runs the same code.
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "act/action_audit.h"
#include "act/actuator_runner.h"
#include "act/cgroup_controller.h"
#include "act/oom_guard.h"
#include "cli/prefetch_unit.h"
#include "alert/alert_sink.h"
#include "core/clock.h"
#include "core/config.h"
#include "core/host_env.h"
#include "cli/jobs_feature.h"
#include "core/pipeline.h"
#include "cli/routes_logs.h"
#include "serve/finding_inbox.h"
#include "serve/http_server.h"
#include "store/series_table.h"
#include "store/store.h"
#include "store/store_sink.h"

namespace hostmind {

struct ScheduledCollector {
  std::unique_ptr<Collector> collector;
  TimeMs interval_ms;
};

// The enabled collectors, in a fixed order, with their intervals.
std::vector<ScheduledCollector> BuildCollectors(const Config& config);
// The analyzers (learn + find) the agent runs on every batch.
std::vector<std::unique_ptr<Analyzer>> BuildAnalyzers(const Config& config, Store& store);
// The host name for alerts: agent.hostname, else the kernel's.
std::string ResolveHostname(const Config& config);

class Agent {
 public:
  // Opens the store under agent.state_dir (created if needed) and builds everything.
  static Result<std::unique_ptr<Agent>> Create(const Config& config);
  ~Agent();

  // Restores collector positions, starts the pipeline and the HTTP server.
  Status Start();
  // Stops collection, drains and flushes the pipeline into the store, stops HTTP. Idempotent.
  void Stop();

  int http_port() const { return http_->port(); }
  Store& store() { return *store_; }
  HttpServer& http() { return *http_; }
  JobsFeature& jobs() { return *jobs_; }

 private:
  Agent(const Config& config, std::unique_ptr<Store> store);
  void BuildActuators();
  // Run-time prediction and the job queue: their analyzer, routes and threads.
  Status AttachJobs();
  void DescribeActuators(nlohmann::json& health) const;
  // Alert delivery: the sink after the store, its health section and its routes.
  Status AddAlerting();

  Config config_;
  SystemClock clock_;
  DiskHostEnv env_;
  std::unique_ptr<Store> store_;
  SeriesTable series_;
  StoreSink store_sink_;
  std::vector<std::unique_ptr<Analyzer>> analyzers_;
  std::unique_ptr<LogStateSaver> log_saver_;  // saves the log analyzer's state (routes_logs.h)
  FindingInbox inbox_;  // findings reported through POST /api/v1/findings
  std::unique_ptr<AlertSink> alerts_;  // after the store: findings have ids
  Pipeline pipeline_;
  std::unique_ptr<HttpServer> http_;
  // Actuators (cgroup controller, OOM guard) and the thread that drives them.
  DiskHostWriter writer_;
  std::unique_ptr<ActionAudit> audit_;
  std::unique_ptr<CgroupController> alloc_;
  std::unique_ptr<OomGuard> oom_guard_;
  std::unique_ptr<ActuatorRunner> actuators_;
  std::unique_ptr<ActuatorRunner> hint_runner_;  // the scheduling hints, at their own faster pace
  std::unique_ptr<PrefetchUnit> prefetch_;
  std::unique_ptr<JobsFeature> jobs_;
  bool running_ = false;
};

}  // namespace hostmind
