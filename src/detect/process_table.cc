#include "detect/process_table.h"

#include <algorithm>
#include <cctype>

namespace hostmind {

std::string ContainerIdFromCgroup(const std::string& cgroup) {
  // The container id is the first run of 64 hex digits in the path.
  size_t run = 0;
  for (size_t i = 0; i < cgroup.size(); ++i) {
    if (std::isxdigit(static_cast<unsigned char>(cgroup[i])) && !std::isupper(static_cast<unsigned char>(cgroup[i]))) {
      if (++run == 64) {
        bool ends = i + 1 == cgroup.size() || !std::isxdigit(static_cast<unsigned char>(cgroup[i + 1]));
        if (ends) return cgroup.substr(i + 1 - 64, 12);
      }
    } else {
      run = 0;
    }
  }
  return "host";
}

void ApplyExec(const ProcessExec& e, ProcessInfo& into) {
  into.ppid = e.ppid;
  into.uid = e.uid;
  into.euid = e.euid;
  into.name = e.comm;
  into.exe = e.exe;
  into.argv = e.argv;
  if (!e.cwd.empty()) into.cwd = e.cwd;
  if (!e.cgroup.empty()) into.cgroup = e.cgroup;
}

ProcessInfo& ProcessTable::Upsert(int32_t pid) {
  auto it = procs_.find(pid);
  if (it != procs_.end()) return it->second;
  EvictIfFull();
  unresolvable_.erase(pid);
  ProcessInfo& p = procs_[pid];
  p.pid = pid;
  return p;
}

void ProcessTable::Apply(const Event& ev) {
  if (const auto* e = std::get_if<ProcessExec>(&ev.body)) {
    ProcessInfo& p = Upsert(e->pid);
    ApplyExec(*e, p);
    if (p.started == 0) p.started = ev.ts;
    p.exited = 0;
  } else if (const auto* f = std::get_if<ProcessFork>(&ev.body)) {
    // The child runs its parent's program until it execs.
    ProcessInfo child;
    if (const ProcessInfo* parent = Find(f->ppid)) child = *parent;
    else child.name = f->comm;
    child.pid = f->pid;
    child.ppid = f->ppid;
    child.uid = f->uid;
    child.started = ev.ts;
    child.exited = 0;
    Upsert(f->pid) = std::move(child);
  } else if (const auto* x = std::get_if<ProcessExit>(&ev.body)) {
    auto it = procs_.find(x->pid);
    if (it != procs_.end()) it->second.exited = ev.ts;
  }
}

const ProcessInfo* ProcessTable::Find(int32_t pid) {
  if (pid <= 0) return nullptr;
  auto it = procs_.find(pid);
  if (it != procs_.end()) return &it->second;
  if (!resolver_ || unresolvable_.count(pid)) return nullptr;
  auto found = resolver_(pid);
  if (!found) {
    if (unresolvable_.size() > capacity_) unresolvable_.clear();
    unresolvable_[pid] = true;
    return nullptr;
  }
  ProcessInfo& p = Upsert(pid);
  p = std::move(*found);
  p.pid = pid;
  return &p;
}

void ProcessTable::Expire(TimeMs now) {
  for (auto it = procs_.begin(); it != procs_.end();) {
    if (it->second.exited != 0 && it->second.exited + grace_ms_ < now) it = procs_.erase(it);
    else ++it;
  }
}

void ProcessTable::EvictIfFull() {
  if (procs_.size() < capacity_) return;
  // Exited processes go first, oldest exit first; then the oldest started.
  auto victim = std::min_element(procs_.begin(), procs_.end(), [](const auto& a, const auto& b) {
    bool ax = a.second.exited != 0, bx = b.second.exited != 0;
    if (ax != bx) return ax;
    return ax ? a.second.exited < b.second.exited : a.second.started < b.second.started;
  });
  procs_.erase(victim);
}

}  // namespace hostmind
