#include "detect/behaviour_detector.h"

#include <cstdio>

namespace hostmind {

namespace {

std::string Fixed(double v) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.2f", v);
  return buf;
}

std::string BaseName(const std::string& path) {
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

// "nginx" for "exe:/usr/sbin/nginx"; the cgroup path for "cgroup:...".
std::string Describe(const std::string& key) {
  if (key.rfind("exe:", 0) == 0) return BaseName(key.substr(4));
  return "cgroup " + key.substr(7);
}

}  // namespace

BehaviourDetector::Tracked* BehaviourDetector::Profile(const std::string& key, TimeMs now) {
  auto it = profiles_.find(key);
  if (it != profiles_.end()) return &it->second;
  if (profiles_.size() >= options_.max_profiles) {
    ++untracked_;
    return nullptr;
  }
  Tracked& t = profiles_.emplace(key, Tracked{BehaviourProfile(options_.limits), now, std::nullopt}).first->second;
  return &t;
}

std::vector<std::string> BehaviourDetector::Keys(const ProcessInfo& p) const {
  std::vector<std::string> keys;
  if (!p.exe.empty()) keys.push_back("exe:" + p.exe);
  if (!p.cgroup.empty() && p.cgroup != "/") keys.push_back("cgroup:" + p.cgroup);
  return keys;
}

std::string BehaviourDetector::PathPrefix(const std::string& path) const {
  size_t end = path.rfind('/');
  if (end == std::string::npos || end == 0) return "/";
  std::string dir = path.substr(0, end);
  size_t pos = 0;
  for (int depth = 0; depth < options_.path_depth; ++depth) {
    pos = dir.find('/', pos + 1);
    if (pos == std::string::npos) return dir;
  }
  return dir.substr(0, pos);
}

bool BehaviourDetector::Budget(TimeMs now) {
  if (now - minute_start_ >= kMsPerMinute) {
    minute_start_ = now;
    minute_count_ = 0;
  }
  if (minute_count_ >= options_.max_findings_per_minute) {
    ++suppressed_;
    return false;
  }
  ++minute_count_;
  return true;
}

void BehaviourDetector::Novelty(const Event& ev, const ProcessInfo& p, const char* what, const std::string& item,
                                bool (BehaviourProfile::*is_new)(const std::string&) const,
                                void (BehaviourProfile::*learn)(const std::string&), std::vector<Finding>& out) {
  for (const std::string& key : Keys(p)) {
    Tracked* t = Profile(key, ev.ts);
    if (!t) continue;
    if (!Learning(*t, ev.ts) && (t->profile.*is_new)(item) && Budget(ev.ts)) {
      Finding f;
      f.ts = ev.ts;
      f.kind = FindingKind::kBehaviour;
      f.severity = Severity::kWarning;
      f.subject = key;
      f.score = 1;
      f.summary = Describe(key) + " " + what + " " + item + " for the first time";
      if (t->last_distance) {
        auto p99 = t->profile.NormalQuantile(0.99);
        f.summary += "; syscall profile distance " + Fixed(*t->last_distance) +
                     (p99 ? ", normal p99 " + Fixed(*p99) : "");
      }
      f.evidence.push_back({"pid " + std::to_string(p.pid) + " (" + p.name + ")", 1, std::string(what) + " " + item});
      f.facts = {{"profile", key},
                 {"learning_since", FormatIso8601(t->first_seen)},
                 {"pid", std::to_string(p.pid)},
                 {"exe", p.exe},
                 {"event", EventTypeName(ev.body)}};
      out.push_back(std::move(f));
    }
    (t->profile.*learn)(item);  // reported once, then part of normal
  }
}

void BehaviourDetector::Mix(const Event& ev, const ProcessInfo& p, const SyscallProfile& sp, std::vector<Finding>& out) {
  SyscallMix mix;
  mix.counts = sp.counts;
  mix.sketch = sp.ngram_sketch;
  for (const std::string& key : Keys(p)) {
    Tracked* t = Profile(key, ev.ts);
    if (!t) continue;
    if (Learning(*t, ev.ts)) {
      t->profile.LearnMix(mix);
      continue;
    }
    auto distance = t->profile.Distance(mix);
    if (!distance) {
      t->profile.LearnMix(mix);
      continue;
    }
    t->last_distance = distance;
    auto p99 = t->profile.NormalQuantile(0.99);
    double limit = std::max(options_.min_distance, p99 ? *p99 * options_.p99_factor : 0.0);
    if (*distance <= limit) continue;
    if (!Budget(ev.ts)) continue;
    Finding f;
    f.ts = ev.ts;
    f.kind = FindingKind::kBehaviour;
    f.severity = Severity::kWarning;
    f.subject = key;
    f.score = *distance / std::max(limit, 1e-9);
    f.summary = Describe(key) + " (pid " + std::to_string(p.pid) + ") made system calls unlike its learned profile: " +
                "syscall profile distance " + Fixed(*distance) + (p99 ? ", normal p99 " + Fixed(*p99) : "");
    // The syscalls that carry the difference: the most called ones of this process.
    std::vector<std::pair<uint32_t, int32_t>> top;
    for (auto [nr, n] : sp.counts) top.emplace_back(n, nr);
    std::sort(top.rbegin(), top.rend());
    for (size_t i = 0; i < std::min<size_t>(5, top.size()); ++i)
      f.evidence.push_back({"syscall " + std::to_string(top[i].second), static_cast<double>(top[i].first),
                            std::to_string(top[i].first) + " calls"});
    f.facts = {{"profile", key},
               {"distance", Fixed(*distance)},
               {"normal_p99", p99 ? Fixed(*p99) : "unknown"},
               {"threshold", Fixed(limit)},
               {"pid", std::to_string(p.pid)}};
    out.push_back(std::move(f));
  }
}

void BehaviourDetector::Observe(const Event& ev, ProcessTable& table, std::vector<Finding>& out) {
  if (const auto* e = std::get_if<ProcessExec>(&ev.body)) {
    if (const ProcessInfo* parent = table.Find(e->ppid))
      Novelty(ev, *parent, "ran", e->exe, &BehaviourProfile::IsNewChild, &BehaviourProfile::LearnChild, out);
    return;
  }
  const ProcessInfo* p = table.Find(EventPid(ev.body));
  if (!p) return;
  if (const auto* o = std::get_if<FileOpen>(&ev.body)) {
    if (o->result < 0 && o->result != FileOpen::kResultUnknown) return;  // failed opens teach nothing
    Novelty(ev, *p, o->Writes() ? "wrote under" : "opened a file under", PathPrefix(o->path),
            &BehaviourProfile::IsNewPath, &BehaviourProfile::LearnPath, out);
  } else if (const auto* c = std::get_if<NetConnection>(&ev.body)) {
    bool outbound = c->direction == NetConnection::Direction::kOutbound;
    std::string endpoint = outbound ? c->remote_addr + ":" + std::to_string(c->remote_port)
                                    : "port " + std::to_string(c->local_port);
    Novelty(ev, *p, outbound ? "connected to" : "accepted a connection on", endpoint,
            &BehaviourProfile::IsNewEndpoint, &BehaviourProfile::LearnEndpoint, out);
  } else if (const auto* sp = std::get_if<SyscallProfile>(&ev.body)) {
    Mix(ev, *p, *sp, out);
  }
}

}  // namespace hostmind
