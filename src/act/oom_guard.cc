#include "act/oom_guard.h"

#include <signal.h>

#include <algorithm>
#include <cmath>

#include <spdlog/spdlog.h>

#include "collect/parse.h"

namespace hostmind {

namespace {

constexpr double kPageBytes = 4096;
constexpr TimeMs kCooldownMs = 10 * kMsPerSecond;  // let the last action's effect show first

std::string Mib(double bytes) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.0f MiB", bytes / 1048576.0);
  return buf;
}

std::string Trimmed(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

}  // namespace

OomGuard::OomGuard(const OomGuardConfig& config, ActMode mode, Deps deps)
    : config_(config),
      mode_(mode),
      deps_(std::move(deps)),
      available_(DemandForecasterOptions{.half_life_ms = 6 * kMsPerSecond, .spread_factor = 2.0}) {
  if (auto a = ActionAudit::Open(*deps_.store); a.ok()) audit_ = std::move(*a);
  if (auto o = OriginalValues::Open(*deps_.store, name_); o.ok()) originals_ = std::move(*o);
}

void OomGuard::ScanProcesses(TimeMs now) {
  auto pids = deps_.env->ListDir("/proc");
  if (!pids.ok()) return;
  for (const auto& name : *pids) {
    auto pid = ParseU64(name);
    if (!pid) continue;
    auto statm = deps_.env->ReadFile("/proc/" + name + "/statm");
    if (!statm.ok()) continue;  // exited while we looked
    auto fields = SplitFields(*statm);
    if (fields.size() < 2) continue;
    double rss = static_cast<double>(ParseU64(fields[1]).value_or(0)) * kPageBytes;
    Track& t = tracks_[static_cast<int>(*pid)];
    if (t.ts > 0 && now > t.ts) {
      double rate = (rss - t.rss) / (static_cast<double>(now - t.ts) / 1000.0);
      // About three intervals of memory: a burst counts, a blip fades.
      t.growth += 0.4 * (rate - t.growth);
    }
    t.rss = rss;
    t.ts = now;
    t.seen = now;
  }
  std::erase_if(tracks_, [&](const auto& kv) { return kv.second.seen != now; });
}

void OomGuard::Rank(TimeMs horizon_s) {
  ranking_.clear();
  for (const auto& [pid, t] : tracks_) {
    if (pid <= 1 || pid == deps_.self_pid || t.rss <= 0) continue;
    std::string p = "/proc/" + std::to_string(pid);
    std::string comm = Trimmed(deps_.env->ReadFile(p + "/comm").value_or(""));
    if (std::find(config_.exclude.begin(), config_.exclude.end(), comm) != config_.exclude.end()) continue;
    auto adj = deps_.env->ReadFile(p + "/oom_score_adj");
    if (adj.ok() && Trimmed(*adj) == "-1000") continue;  // the owner said never
    double score = std::max(0.0, t.growth) * static_cast<double>(horizon_s) + 0.1 * t.rss;
    ranking_.push_back({pid, comm, t.rss, t.growth, score});
  }
  std::sort(ranking_.begin(), ranking_.end(), [](const auto& a, const auto& b) { return a.score > b.score; });
}

std::vector<Action> OomGuard::Plan(TimeMs now) {
  std::vector<Action> out;
  if (!config_.enabled) return out;
  auto meminfo = deps_.env->ReadFile("/proc/meminfo");
  if (!meminfo.ok()) return out;
  int bad = 0;
  auto kv = ParseKeyValueKb(*meminfo, &bad);
  auto avail_it = kv.find("MemAvailable");
  if (avail_it == kv.end()) return out;
  double avail = static_cast<double>(avail_it->second);
  total_ = static_cast<double>(kv.count("MemTotal") ? kv.find("MemTotal")->second : 0);
  available_.Observe(now, avail);
  ScanProcesses(now);
  if (available_.count() < 3 || (last_action_ >= 0 && now - last_action_ < kCooldownMs)) return out;

  double floor = static_cast<double>(config_.min_available);
  TimeMs eta = avail <= floor ? 0 : available_.TimeToReach(floor);
  if (eta < 0 || eta > config_.horizon_ms) return out;
  TimeMs horizon_s = std::max<TimeMs>(1, config_.horizon_ms / 1000);
  Rank(horizon_s);
  if (ranking_.empty()) return out;
  const OomCandidate& c = ranking_.front();
  DemandForecast f = available_.Forecast(config_.horizon_ms);
  Action a;
  a.ts = now;
  a.actuator = name_;
  a.mode = mode_;
  a.target = "pid " + std::to_string(c.pid) + " (" + c.comm + ")";
  a.knob = config_.policy;
  a.old_value = "running";
  a.new_value = config_.policy == "kill" ? "SIGKILL" : config_.policy == "freeze" ? "frozen" : "throttled";
  char why[256];
  std::snprintf(why, sizeof why,
                "memory runs out in about %.0f s (MemAvailable %s, falling %s/s); pid %d grows fastest: %s/s, "
                "RSS %s",
                static_cast<double>(eta) / 1000.0, Mib(avail).c_str(), Mib(-f.trend_per_s).c_str(), c.pid,
                Mib(c.growth).c_str(), Mib(c.rss).c_str());
  a.reason = why;
  a.inputs = {{"mem_available", Mib(avail)},       {"mem_total", Mib(total_)},
              {"available_trend_per_s", Mib(f.trend_per_s)}, {"eta_s", std::to_string(eta / 1000)},
              {"horizon_s", std::to_string(horizon_s)}, {"min_available", Mib(floor)},
              {"culprit_rss", Mib(c.rss)},          {"culprit_growth_per_s", Mib(c.growth)},
              {"culprit_score", Mib(c.score)}};
  for (size_t i = 1; i < std::min<size_t>(ranking_.size(), 4); ++i)
    a.inputs.emplace_back("runner_up_" + std::to_string(i),
                          "pid " + std::to_string(ranking_[i].pid) + " (" + ranking_[i].comm + ") RSS " +
                              Mib(ranking_[i].rss) + ", " + Mib(ranking_[i].growth) + "/s");
  planned_pid_ = c.pid;
  last_action_ = now;
  out.push_back(std::move(a));
  return out;
}

Status OomGuard::Freeze(int pid) {
  if (!deps_.control) return Status::Unavailable("freeze: no cgroup control");
  const CgroupLayout& layout = deps_.control->layout();
  std::string path = deps_.subtree + "/frozen";
  if (auto v1 = layout.Locate("freezer", path)) {
    for (size_t i = 1; i <= v1->dir.size(); ++i)
      if (i == v1->dir.size() || v1->dir[i] == '/') (void)deps_.writer->MakeDir(v1->dir.substr(0, i));
    HM_RETURN_IF_ERROR(deps_.writer->WriteFile(v1->dir + "/cgroup.procs", std::to_string(pid)));
    if (originals_) HM_RETURN_IF_ERROR(originals_->SaveIfAbsent(v1->dir + "/freezer.state", "THAWED", deps_.clock->Now()));
    return deps_.writer->WriteFile(v1->dir + "/freezer.state", "FROZEN");
  }
  if (!layout.v2_root.empty()) {
    std::string dir = layout.v2_root + path;
    (void)deps_.writer->MakeDir(layout.v2_root + deps_.subtree);
    HM_RETURN_IF_ERROR(deps_.writer->MakeDir(dir));
    HM_RETURN_IF_ERROR(deps_.writer->WriteFile(dir + "/cgroup.procs", std::to_string(pid)));
    if (originals_) HM_RETURN_IF_ERROR(originals_->SaveIfAbsent(dir + "/cgroup.freeze", "0", deps_.clock->Now()));
    return deps_.writer->WriteFile(dir + "/cgroup.freeze", "1");
  }
  return Status::Unavailable("freeze: no freezer (neither a v1 freezer mount nor cgroup v2)");
}

Status OomGuard::Throttle(int pid) {
  if (!deps_.control) return Status::Unavailable("throttle: no cgroup control");
  std::string path = deps_.subtree + "/throttled";
  HM_RETURN_IF_ERROR(deps_.control->Create(path));
  HM_RETURN_IF_ERROR(deps_.control->MovePid(path, pid));
  auto written = deps_.control->Write(CgroupKnob::kCpuMax, path, 0.05);
  return written.status();
}

void OomGuard::Apply(std::vector<Action>& actions) {
  for (Action& a : actions) {
    if (mode_ == ActMode::kObserve) {
      spdlog::warn("oom_guard (observe): would {} {}: {}", a.knob, a.target, a.reason);
      Report(a);
      continue;
    }
    Status st;
    if (mode_ == ActMode::kRecommend) {
      a.status = ActionStatus::kRecommended;
    } else {
      st = config_.policy == "kill"     ? deps_.writer->Kill(planned_pid_, SIGKILL)
           : config_.policy == "freeze" ? Freeze(planned_pid_)
                                        : Throttle(planned_pid_);
      a.status = st.ok() ? ActionStatus::kApplied : ActionStatus::kFailed;
      a.error = st.ok() ? "" : st.ToString();
    }
    if (audit_) {
      if (Status rs = audit_->Record(a); !rs.ok()) spdlog::warn("oom_guard: audit: {}", rs.ToString());
    }
    spdlog::warn("oom_guard ({}): {} {}: {}{}", ActModeName(mode_), a.knob, a.target, a.reason,
                 st.ok() ? "" : " -- failed: " + st.ToString());
    Report(a);
  }
}

void OomGuard::Report(const Action& a) {
  Finding f;
  f.ts = a.ts;
  f.kind = FindingKind::kForecast;
  f.severity = Severity::kCritical;
  f.subject = "memory";
  f.summary = (mode_ == ActMode::kEnforce ? std::string("OOM guard: ") + a.new_value + " " + a.target + ": "
                                          : "OOM guard would " + a.knob + " " + a.target + ": ") +
              a.reason;
  f.score = 1;
  f.evidence.push_back({a.target, 1.0, a.reason});
  f.facts = a.inputs;
  if (a.id > 0) f.facts.emplace_back("action_id", std::to_string(a.id));
  Store::Write w;
  w.findings.push_back(&f);
  if (Status st = deps_.store->Commit(w); !st.ok()) spdlog::warn("oom_guard: finding: {}", st.ToString());
}

Status OomGuard::Start() {
  if (!originals_ || !originals_->HasAny()) return Status::Ok();
  return originals_->RestoreAll(*deps_.writer, audit_.get(), deps_.clock->Now(),
                                "restored at start: the previous run ended without restoring (crash or kill -9)");
}

Status OomGuard::Restore() {
  if (!originals_) return Status::Ok();
  return originals_->RestoreAll(*deps_.writer, audit_.get(), deps_.clock->Now(), "restored at stop");
}

}  // namespace hostmind
