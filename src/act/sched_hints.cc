#include "act/sched_hints.h"

#include <sched.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

namespace hostmind {
namespace {

constexpr char kOriginalsModel[] = "sched_hints_originals";
constexpr char kCpuBoundModel[] = "sched_hints_cpu_bound";
constexpr size_t kMaxCpuBound = 1024;  // command lines remembered as CPU-bound
constexpr uint32_t kSchedBatch = 3;

// struct sched_attr up to sched_period (SCHED_ATTR_SIZE_VER0): what every kernel since 3.14
// accepts. glibc 2.36 has no wrapper, hence the raw system calls.
struct KernelSchedAttr {
  uint32_t size;
  uint32_t sched_policy;
  uint64_t sched_flags;
  int32_t sched_nice;
  uint32_t sched_priority;
  uint64_t sched_runtime;
  uint64_t sched_deadline;
  uint64_t sched_period;
};

const char* PolicyName(uint32_t policy) {
  switch (policy) {
    case 0: return "normal";
    case 1: return "fifo";
    case 2: return "rr";
    case kSchedBatch: return "batch";
    case 5: return "idle";
    case 6: return "deadline";
  }
  return "?";
}

class LinuxSchedHost final : public SchedHost {
  static uint64_t DefaultSlice() {
    static const uint64_t slice = [] {
      KernelSchedAttr self{};
      return syscall(SYS_sched_getattr, 0, &self, sizeof self, 0) == 0 ? self.sched_runtime : 0;
    }();
    return slice;
  }

 public:
  std::vector<int32_t> Threads(int32_t pid) override {
    std::vector<int32_t> out;
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/task", ec))
      out.push_back(std::atoi(e.path().filename().c_str()));
    return out;
  }
  bool Usage(int32_t pid, ProcessSchedUsage* usage) override {
    if (!CpuAndStart(pid, &usage->cpu_ms, &usage->start_ticks)) return false;
    usage->wait_ms = 0;
    for (int32_t tid : Threads(pid)) usage->wait_ms += WaitMs(pid, tid);
    return true;
  }

 private:
  static bool CpuAndStart(int32_t pid, TimeMs* cpu_ms, uint64_t* start_ticks) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
    std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const size_t paren = stat.rfind(')');
    if (paren == std::string::npos) return false;
    std::istringstream fields(stat.substr(paren + 2));
    std::vector<std::string> f;
    for (std::string x; f.size() < 20 && fields >> x;) f.push_back(x);
    if (f.size() < 20) return false;
    // Fields 14, 15 (utime, stime) and 22 (starttime), counted from field 3 here.
    static const long hz = sysconf(_SC_CLK_TCK);
    const uint64_t ticks = std::strtoull(f[11].c_str(), nullptr, 10) + std::strtoull(f[12].c_str(), nullptr, 10);
    *cpu_ms = static_cast<TimeMs>(ticks * 1000 / static_cast<uint64_t>(hz));
    *start_ticks = std::strtoull(f[19].c_str(), nullptr, 10);
    return true;
  }
  // /proc/<pid>/task/<tid>/schedstat: "<on-CPU ns> <run-queue wait ns> <timeslices>".
  static TimeMs WaitMs(int32_t pid, int32_t tid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/task/" + std::to_string(tid) + "/schedstat");
    uint64_t run_ns = 0, wait_ns = 0;
    if (!(in >> run_ns >> wait_ns)) return 0;
    return static_cast<TimeMs>(wait_ns / 1000000);
  }

 public:
  Result<TaskSched> Get(int32_t tid) override {
    KernelSchedAttr a{};
    if (syscall(SYS_sched_getattr, tid, &a, sizeof a, 0) != 0)
      return Status::FromErrno(errno, "sched_getattr " + std::to_string(tid));
    // 6.12+ reports every fair task's slice, custom or not; a slice equal to this thread's
    // (the agent never sets its own) is the default, reported as 0 so that putting it back
    // (sched_runtime 0) leaves the task on the default again rather than on a fixed copy.
    return TaskSched{a.sched_policy, a.sched_nice, a.sched_runtime == DefaultSlice() ? 0 : a.sched_runtime};
  }
  Status Set(int32_t tid, const TaskSched& s) override {
    KernelSchedAttr a{};
    a.size = sizeof a;
    a.sched_policy = s.policy;
    a.sched_nice = s.nice;
    a.sched_runtime = s.slice_ns;
    if (syscall(SYS_sched_setattr, tid, &a, 0) != 0)
      return Status::FromErrno(errno, "sched_setattr " + std::to_string(tid));
    return Status::Ok();
  }
};

const std::string& Input(const Action& a, const std::string& key) {
  static const std::string none;
  for (const auto& [k, v] : a.inputs)
    if (k == key) return v;
  return none;
}

std::string Pct(double x) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%.0f%%", 100 * x);
  return buf;
}

}  // namespace

std::unique_ptr<SchedHost> MakeLinuxSchedHost() { return std::make_unique<LinuxSchedHost>(); }

std::string TaskSchedText(const TaskSched& s) {
  std::string out = std::string(PolicyName(s.policy)) + " nice " + std::to_string(s.nice);
  if (s.slice_ns > 0) {
    char buf[32];
    std::snprintf(buf, sizeof buf, " slice %.2gms", s.slice_ns / 1e6);
    out += buf;
  }
  return out;
}

SchedHinter::SchedHinter(SchedHintOptions options, CandidateSource candidates, SchedHost& host, Store& store,
                         const Clock& clock)
    : options_(options), candidates_(std::move(candidates)), host_(host), store_(store), clock_(clock) {}

Status SchedHinter::Start() {
  auto audit = ActionAudit::Open(store_);
  if (!audit.ok()) return audit.status();
  audit_ = std::move(*audit);
  if (auto known = store_.GetModel(kCpuBoundModel)) {
    auto j = nlohmann::json::parse(*known, nullptr, false);
    if (j.is_object())
      for (const auto& [line, ts] : j.items())
        if (ts.is_number_integer()) cpu_bound_[line] = ts.get<TimeMs>();
  }
  auto saved = store_.GetModel(kOriginalsModel);
  if (!saved) return Status::Ok();
  auto j = nlohmann::json::parse(*saved, nullptr, false);
  if (!j.is_array()) return Status::Ok();
  for (const auto& p : j) {
    Hinted h;
    h.start_ticks = p.value("start_ticks", uint64_t{0});
    for (const auto& t : p["threads"])
      h.originals[t["tid"].get<int32_t>()] =
          TaskSched{t["policy"].get<uint32_t>(), t["nice"].get<int32_t>(), t["slice_ns"].get<uint64_t>()};
    hinted_[p["pid"].get<int32_t>()] = std::move(h);
  }
  return RestoreAll("the agent did not stop cleanly; put back at its next start");
}

std::vector<Action> SchedHinter::Plan(TimeMs now) {
  std::vector<Action> out;
  if (hinted_.size() >= options_.max_hinted) {  // forget the processes that have ended
    std::erase_if(hinted_, [&](const auto& h) {
      ProcessSchedUsage usage;
      return !host_.Usage(h.first, &usage) || usage.start_ticks != h.second.start_ticks;
    });
    SaveOriginals();
  }
  for (const OpenRun& run : candidates_()) {
    const TimeMs age = now - run.exec_ts;
    if (auto h = hinted_.find(run.pid); h != hinted_.end()) {
      if (!h->second.confirmed && age >= options_.min_age_ms)
        if (auto undo = Confirm(run, now, h->second)) out.push_back(std::move(*undo));
      continue;
    }
    // Predicted long, or already running past the bar (the prediction was too short).
    const bool predicted_long = run.predicted_ms >= options_.long_after_ms;
    if (!(predicted_long || age >= options_.long_after_ms) || hinted_.size() >= options_.max_hinted) continue;
    const bool judged = age >= options_.min_age_ms;
    if (!judged && !(predicted_long && cpu_bound_.count(run.command_line))) continue;
    ProcessSchedUsage usage;
    if (!host_.Usage(run.pid, &usage)) continue;
    const uint64_t ticks = usage.start_ticks;
    if (auto j = judged_.find(run.pid); j != judged_.end() && j->second == ticks) continue;
    const double span = static_cast<double>(std::max<TimeMs>(age, 1));
    const double cpu_share = static_cast<double>(usage.cpu_ms) / span;
    const double wait_share = static_cast<double>(usage.wait_ms) / span;
    if (judged && cpu_share + wait_share < options_.min_cpu) continue;
    auto current = host_.Get(run.pid);
    if (!current.ok() || current->policy != 0) {  // only the default class; others chose theirs
      judged_[run.pid] = ticks;
      continue;
    }
    out.push_back(Hint(run, now, *current, ticks, cpu_share, wait_share, judged));
    judged_[run.pid] = ticks;
    if (judged) RememberCpuBound(run.command_line, now);
  }
  if (judged_.size() > 4 * options_.max_hinted) judged_.clear();  // pids of long-gone processes
  return out;
}

Action SchedHinter::NewAction(const OpenRun& run, TimeMs now) const {
  Action a;
  a.ts = now;
  a.actuator = name_;
  a.mode = options_.mode;
  a.target = "pid " + std::to_string(run.pid) + " (" + run.command + ")";
  a.knob = "sched_attr";
  return a;
}

Action SchedHinter::Hint(const OpenRun& run, TimeMs now, const TaskSched& current, uint64_t ticks,
                         double cpu_share, double wait_share, bool judged) {
  const TimeMs age = now - run.exec_ts;
  TaskSched next{kSchedBatch, current.nice,
                 options_.slice_ms > 0 ? static_cast<uint64_t>(options_.slice_ms) * 1000000 : current.slice_ns};
  Action a = NewAction(run, now);
  a.old_value = TaskSchedText(current);
  a.new_value = TaskSchedText(next);
  const std::string how_long = run.predicted_ms >= options_.long_after_ms
                                   ? "predicted to run " + FormatDuration(run.predicted_ms) + " (" +
                                         PredictionSourceName(run.source) + ")"
                                   : "running for " + FormatDuration(age) + ", longer than its prediction";
  const std::string why_cpu = judged ? " and CPU-bound since its exec (runnable " + Pct(cpu_share + wait_share) +
                                           " of the time: " + Pct(cpu_share) + " on a CPU, " + Pct(wait_share) +
                                           " waiting for one)"
                                     : " and CPU-bound in its earlier runs (judged again at " +
                                           FormatDuration(options_.min_age_ms) + " of age)";
  a.reason = how_long + why_cpu + ": SCHED_BATCH" +
             (options_.slice_ms > 0 ? " with a " + std::to_string(options_.slice_ms) + " ms slice" : "");
  a.inputs = {{"pid", std::to_string(run.pid)},
              {"start_ticks", std::to_string(ticks)},
              {"judged", judged ? "this run" : "earlier runs"},
              {"predicted_ms", std::to_string(run.predicted_ms)},
              {"upper_ms", std::to_string(run.upper_ms)},
              {"prediction_source", PredictionSourceName(run.source)},
              {"age_ms", std::to_string(age)},
              {"cpu_share", Pct(cpu_share)},
              {"wait_share", Pct(wait_share)},
              {"long_after_ms", std::to_string(options_.long_after_ms)}};
  return a;
}

std::optional<Action> SchedHinter::Confirm(const OpenRun& run, TimeMs now, Hinted& hinted) {
  ProcessSchedUsage usage;
  if (!host_.Usage(run.pid, &usage) || usage.start_ticks != hinted.start_ticks) return std::nullopt;
  const double span = static_cast<double>(std::max<TimeMs>(now - run.exec_ts, 1));
  const double runnable = static_cast<double>(usage.cpu_ms + usage.wait_ms) / span;
  if (runnable >= options_.min_cpu) {
    hinted.confirmed = true;
    return std::nullopt;
  }
  ForgetCpuBound(run.command_line);
  Action a = NewAction(run, now);
  if (auto current = host_.Get(run.pid); current.ok()) a.old_value = TaskSchedText(*current);
  a.new_value = hinted.originals.empty() ? "" : TaskSchedText(hinted.originals.begin()->second);
  a.reason = "hinted on its earlier runs, but this run is not CPU-bound (runnable " + Pct(runnable) + " of its " +
             FormatDuration(now - run.exec_ts) + "): put back";
  a.inputs = {{"pid", std::to_string(run.pid)}, {"start_ticks", std::to_string(hinted.start_ticks)},
              {"undo", "1"}, {"runnable_share", Pct(runnable)}};
  return a;
}

void SchedHinter::Apply(std::vector<Action>& actions) {
  for (Action& a : actions) {
    if (a.mode == ActMode::kObserve) {
      spdlog::info("sched_hints (observe): {}: {} -> {}: {}", a.target, a.old_value, a.new_value, a.reason);
      continue;
    }
    const int32_t pid = std::stoi(Input(a, "pid"));
    if (a.mode == ActMode::kEnforce && Input(a, "undo") == "1") {
      auto it = hinted_.find(pid);
      Status failed = Status::Ok();
      if (it != hinted_.end()) {
        RestoreOne(pid, it->second, &failed);
        hinted_.erase(it);
        SaveOriginals();
      }
      a.status = failed.ok() ? ActionStatus::kRestored : ActionStatus::kFailed;
      a.error = failed.ok() ? "" : failed.ToString();
    } else if (a.mode == ActMode::kEnforce) {
      Hinted h;
      h.start_ticks = std::stoull(Input(a, "start_ticks"));
      h.confirmed = Input(a, "judged") == "this run";
      Status failed = Status::Ok();
      for (int32_t tid : host_.Threads(pid)) {
        auto original = host_.Get(tid);
        if (!original.ok()) continue;  // the thread ended meanwhile
        TaskSched next = *original;
        next.policy = kSchedBatch;
        if (options_.slice_ms > 0) next.slice_ns = static_cast<uint64_t>(options_.slice_ms) * 1000000;
        h.originals[tid] = *original;
        if (Status s = host_.Set(tid, next); !s.ok()) failed = s;
      }
      a.status = failed.ok() ? ActionStatus::kApplied : ActionStatus::kFailed;
      a.error = failed.ok() ? "" : failed.ToString();
      if (!h.originals.empty()) {
        hinted_[pid] = std::move(h);
        SaveOriginals();
      }
    }
    if (audit_) (void)audit_->Record(a);
  }
}

Status SchedHinter::Restore() { return RestoreAll("the agent stopped"); }

bool SchedHinter::RestoreOne(int32_t pid, const Hinted& hinted, Status* result) {
  ProcessSchedUsage usage;
  if (!host_.Usage(pid, &usage) || usage.start_ticks != hinted.start_ticks) return false;
  bool restored = false;
  for (const auto& [tid, original] : hinted.originals) {
    Status s = host_.Set(tid, original);
    if (s.ok()) restored = true;
    else if (s.code() != StatusCode::kNotFound) *result = s;  // ESRCH: that thread ended
  }
  return restored;
}

Status SchedHinter::RestoreAll(const std::string& why) {
  Status result = Status::Ok();
  for (const auto& [pid, h] : hinted_) {
    if (!RestoreOne(pid, h, &result) || !audit_) continue;
    Action a;
    a.ts = clock_.Now();
    a.actuator = name_;
    a.mode = ActMode::kEnforce;
    a.status = ActionStatus::kRestored;
    a.target = "pid " + std::to_string(pid);
    a.knob = "sched_attr";
    a.new_value = h.originals.empty() ? "" : TaskSchedText(h.originals.begin()->second);
    a.reason = why;
    (void)audit_->Record(a);
  }
  hinted_.clear();
  SaveOriginals();
  return result;
}

void SchedHinter::SaveOriginals() {
  nlohmann::json j = nlohmann::json::array();
  for (const auto& [pid, h] : hinted_) {
    nlohmann::json threads = nlohmann::json::array();
    for (const auto& [tid, s] : h.originals)
      threads.push_back({{"tid", tid}, {"policy", s.policy}, {"nice", s.nice}, {"slice_ns", s.slice_ns}});
    j.push_back({{"pid", pid}, {"start_ticks", h.start_ticks}, {"threads", threads}});
  }
  Status s = store_.PutModel(kOriginalsModel, j.dump(), clock_.Now());
  if (!s.ok()) spdlog::warn("sched_hints: could not save the original scheduling attributes: {}", s.ToString());
}

void SchedHinter::RememberCpuBound(const std::string& command_line, TimeMs now) {
  cpu_bound_[command_line] = now;
  while (cpu_bound_.size() > kMaxCpuBound) {  // forget the one judged longest ago
    auto oldest = std::min_element(cpu_bound_.begin(), cpu_bound_.end(),
                                   [](const auto& a, const auto& b) { return a.second < b.second; });
    cpu_bound_.erase(oldest);
  }
  SaveCpuBound();
}

void SchedHinter::ForgetCpuBound(const std::string& command_line) {
  if (cpu_bound_.erase(command_line)) SaveCpuBound();
}

void SchedHinter::SaveCpuBound() {
  nlohmann::json j = nlohmann::json::object();
  for (const auto& [line, ts] : cpu_bound_) j[line] = ts;
  Status s = store_.PutModel(kCpuBoundModel, j.dump(), clock_.Now());
  if (!s.ok()) spdlog::warn("sched_hints: could not save the CPU-bound commands: {}", s.ToString());
}

}  // namespace hostmind
