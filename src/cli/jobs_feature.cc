#include "cli/jobs_feature.h"

#include <time.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include <spdlog/spdlog.h>

#include "cli/routes_jobs.h"
#include "collect/cgroup_layout.h"

namespace hostmind {
namespace {

constexpr char kPredictorModel[] = "runtime_predictor";

// This process's cgroup per hierarchy: "cpu" -> "/a/b", ..., "" (v2) -> "/c".
std::map<std::string, std::string> OwnCgroups() {
  std::map<std::string, std::string> out;
  std::ifstream in("/proc/self/cgroup");
  for (std::string line; std::getline(in, line);) {
    const size_t a = line.find(':'), b = line.find(':', a + 1);
    if (a == std::string::npos || b == std::string::npos) continue;
    const std::string controllers = line.substr(a + 1, b - a - 1);
    const std::string path = line.substr(b + 1);
    if (controllers.empty()) out[""] = path;
    std::stringstream list(controllers);
    for (std::string c; std::getline(list, c, ',');) out[c] = path;
  }
  return out;
}

// Local time minus UTC now, for the predictor's time-of-day features.
int64_t LocalUtcOffsetSeconds() {
  const time_t now = time(nullptr);
  struct tm local {};
  localtime_r(&now, &local);
  return local.tm_gmtoff;
}

uint64_t MemTotalBytes() {
  std::ifstream in("/proc/meminfo");
  std::string key;
  uint64_t kb = 0;
  while (in >> key >> kb) {
    if (key == "MemTotal:") return kb * 1024;
    in.ignore(1 << 10, '\n');
  }
  return 0;
}

}  // namespace

JobCgroupRoots PlanJobCgroups(const std::string& parent, std::vector<std::string>* warnings) {
  JobCgroupRoots roots;
  DiskHostEnv env("/");
  auto layout = DetectCgroupLayout(env);
  if (!layout.ok()) {
    warnings->push_back("no cgroups: " + layout.status().message());
    return roots;
  }
  const auto own = OwnCgroups();
  for (const char* controller : {"cpu", "memory"}) {
    auto loc = layout->Locate(controller, "/");
    if (!loc) {
      warnings->push_back(std::string(controller) + " controller not mounted: jobs run without " + controller + " limits");
      continue;
    }
    std::string base = parent;
    if (base.empty()) {
      auto it = own.find(loc->v2 ? "" : controller);
      base = (it == own.end() || it->second == "/" ? "" : it->second) + "/hostmind.jobs";
    }
    const std::string dir = loc->dir + base;
    if (std::string(controller) == "cpu") {
      roots.cpu = dir;
      roots.cpu_v2 = loc->v2;
    } else {
      roots.memory = dir;
      roots.memory_v2 = loc->v2;
    }
  }
  return roots;
}

JobsFeature::JobsFeature(const Config& config, Store& store, const Clock& clock)
    : store_(store),
      clock_(clock),
      learn_processes_(config.predict.learn_processes),
      save_interval_ms_(config.predict.save_interval_ms),
      runtime_([&] {
        RuntimePredictorOptions o;
        o.window = static_cast<size_t>(config.predict.window);
        o.retrain_every = static_cast<size_t>(config.predict.retrain_every);
        o.utc_offset_s = static_cast<int>(LocalUtcOffsetSeconds());
        return o;
      }()) {}

JobsFeature::~JobsFeature() { Stop(); }

Result<std::unique_ptr<JobsFeature>> JobsFeature::Create(const Config& config, Store& store, const Clock& clock,
                                                         const std::string& hostmind_binary) {
  std::unique_ptr<JobsFeature> f(new JobsFeature(config, store, clock));
  f->AttachSchedHints(config.sched_hints, config.predict.learn_processes, store, clock);
  if (!config.jobs.enabled) return f;
  if (auto p = PolicyByName(config.jobs.policy); !p.ok()) return Status::InvalidArgument("jobs.policy: " + p.status().message());
  auto ledger = SqliteJobLedger::Open(store);
  if (!ledger.ok()) return ledger.status();
  f->ledger_ = std::move(*ledger);
  std::vector<std::string> warnings;
  f->launcher_ = std::make_unique<JobLauncher>(PlanJobCgroups(config.jobs.cgroup_parent, &warnings), hostmind_binary);
  for (const auto& w : warnings) spdlog::warn("job queue: {}", w);
  JobQueueOptions o;
  o.policy = config.jobs.policy;
  o.capacity.cpus = config.jobs.cpus > 0 ? config.jobs.cpus : static_cast<double>(sysconf(_SC_NPROCESSORS_ONLN));
  o.capacity.mem_bytes = config.jobs.memory_bytes > 0 ? config.jobs.memory_bytes : MemTotalBytes() / 10 * 8;
  o.default_limit_ms = config.jobs.default_limit_ms;
  o.max_limit_ms = config.jobs.max_limit_ms;
  o.kill_grace_ms = config.jobs.kill_grace_ms;
  o.jobs_dir = config.agent.state_dir + "/jobs";
  f->queue_ = std::make_unique<JobQueue>(o, *f->ledger_, *f->launcher_, &f->runtime_, clock);
  return f;
}

void JobsFeature::AttachSchedHints(const SchedHintsConfig& c, bool learn_processes, Store& store, const Clock& clock) {
  if (!c.enabled) return;
  if (!learn_processes) {
    spdlog::warn("sched_hints: enabled, but predict.learn_processes is off: no process is predicted, none is hinted");
    return;
  }
  SchedHintOptions o;
  o.mode = ParseActMode(c.mode).value_or(ActMode::kObserve);
  o.long_after_ms = c.long_after_ms;
  o.min_cpu = c.min_cpu;
  o.min_age_ms = c.min_age_ms;
  o.slice_ms = c.slice_ms;
  sched_host_ = MakeLinuxSchedHost();
  hinter_ = std::make_unique<SchedHinter>(o, [this] { return runtime_.OpenRuns(); }, *sched_host_, store, clock);
}

void JobsFeature::RegisterRoutes(HttpServer& server) { RegisterJobRoutes(server, queue_.get(), runtime_, clock_); }

Status JobsFeature::Start() {
  if (auto saved = store_.GetModel(kPredictorModel)) {
    Status loaded = runtime_.LoadState(*saved);
    if (loaded.ok()) {
      spdlog::info("runtime predictor: restored ({} runs learnt)", runtime_.stats().learned);
    } else {
      spdlog::warn("runtime predictor: saved state unusable, starting afresh: {}", loaded.ToString());
    }
  }
  runtime_.StartTrainer();
  if (queue_) HM_RETURN_IF_ERROR(queue_->Start());
  saver_ = std::jthread([this](std::stop_token stop) {
    std::mutex mu;
    std::condition_variable_any cv;
    while (!stop.stop_requested()) {
      std::unique_lock lock(mu);
      cv.wait_for(lock, stop, std::chrono::milliseconds(save_interval_ms_), [] { return false; });
      if (!stop.stop_requested()) SavePredictor();
    }
  });
  started_ = true;
  return Status::Ok();
}

void JobsFeature::Stop() {
  if (!started_) return;
  started_ = false;
  saver_.request_stop();
  if (saver_.joinable()) saver_.join();
  if (queue_) queue_->Stop();
  runtime_.StopTrainer();
  SavePredictor();
}

void JobsFeature::SavePredictor() {
  auto state = runtime_.SaveState();
  Status s = state.ok() ? store_.PutModel(kPredictorModel, *state, clock_.Now()) : state.status();
  if (!s.ok()) spdlog::warn("runtime predictor: could not save its state: {}", s.ToString());
}

}  // namespace hostmind
