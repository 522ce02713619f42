#include "act/cgroup_usage.h"

#include <algorithm>

#include "collect/parse.h"
#include "collect/pressure.h"

namespace hostmind {

namespace {

std::optional<std::string> ReadIn(HostEnv& env, const std::optional<CgroupLayout::Location>& loc,
                                  const std::string& file) {
  if (!loc) return std::nullopt;
  auto text = env.ReadFile(loc->dir + "/" + file);
  if (!text.ok()) return std::nullopt;
  return *text;
}

uint64_t Get(const std::map<std::string, uint64_t, std::less<>>& kv, const char* key) {
  auto it = kv.find(key);
  return it == kv.end() ? 0 : it->second;
}

double FirstNumber(std::string_view text) {
  auto fields = SplitFields(text);
  return fields.empty() ? 0 : ParseDouble(fields[0]).value_or(0);
}

}  // namespace

Result<CgroupUsageSample> CgroupUsageReader::Read(HostEnv& env, const std::string& path, TimeMs now) {
  CgroupUsageSample s;
  s.ts = now;
  Counters c;
  c.ts = now;
  int bad = 0;
  auto cpu = layout_.Locate("cpu", path);
  auto acct = layout_.Locate("cpuacct", path);
  auto mem = layout_.Locate("memory", path);
  auto psi = layout_.Locate("pressure", path);
  if ((!cpu || !env.ListDir(cpu->dir).ok()) && (!mem || !env.ListDir(mem->dir).ok()))
    return Status::NotFound("cgroup " + path + " does not exist");

  // CPU time: v2 cpu.stat usage_usec; v1 cpuacct.usage (ns).
  if (auto stat = ReadIn(env, cpu, "cpu.stat")) {
    auto kv = ParseKeyValue(*stat, &bad);
    c.periods = static_cast<double>(Get(kv, "nr_periods"));
    c.throttled = static_cast<double>(Get(kv, "nr_throttled"));
    if (cpu->v2) c.cpu_us = static_cast<double>(Get(kv, "usage_usec"));
  }
  if (cpu && !cpu->v2) {
    if (auto usage = ReadIn(env, acct, "cpuacct.usage")) c.cpu_us = FirstNumber(*usage) / 1e3;
  }
  // Pressure: the v2 directory of the same path (hybrid hosts keep PSI there).
  if (psi && psi->v2) {
    auto cpu_psi = ReadIn(env, psi, "cpu.pressure");
    auto mem_psi = ReadIn(env, psi, "memory.pressure");
    if (cpu_psi && mem_psi) {
      auto cp = ParsePsi(*cpu_psi);
      auto mp = ParsePsi(*mem_psi);
      if (cp.ok() && mp.ok() && cp->some && mp->some) {
        s.has_pressure = true;
        c.cpu_stall_us = static_cast<double>(cp->some->total_us);
        c.mem_stall_us = static_cast<double>(mp->some->total_us);
      }
    }
  }
  // Memory: v2 memory.current + memory.stat (anon, file); v1 usage_in_bytes + total_* stats.
  if (mem) {
    if (auto stat = ReadIn(env, mem, "memory.stat")) {
      auto kv = ParseKeyValue(*stat, &bad);
      if (mem->v2) {
        s.anon_bytes = Get(kv, "anon");
        s.file_bytes = Get(kv, "file");
        c.refaults = static_cast<double>(Get(kv, "workingset_refault_file") + Get(kv, "workingset_refault"));
      } else {
        s.anon_bytes = Get(kv, "total_rss") + Get(kv, "total_shmem");
        s.file_bytes = Get(kv, "total_cache") - std::min(Get(kv, "total_cache"), Get(kv, "total_shmem"));
        c.refaults = static_cast<double>(Get(kv, "total_workingset_refault_file"));
      }
    }
    if (auto usage = ReadIn(env, mem, mem->v2 ? "memory.current" : "memory.usage_in_bytes")) {
      s.has_memory = true;
      s.memory_bytes = static_cast<uint64_t>(FirstNumber(*usage));
    }
    if (auto events = ReadIn(env, mem, mem->v2 ? "memory.events" : "memory.oom_control")) {
      auto kv = ParseKeyValue(*events, &bad);
      s.oom_kills = Get(kv, "oom_kill");
      s.under_oom = Get(kv, "under_oom") > 0;
    }
  }

  auto it = last_.find(path);
  if (it != last_.end() && now > it->second.ts) {
    const Counters& p = it->second;
    double dt_us = static_cast<double>(now - p.ts) * 1e3;
    auto rate = [&](double cur, double prev) { return cur >= prev ? (cur - prev) / dt_us : 0.0; };
    s.has_rates = true;
    s.cpu_cores = rate(c.cpu_us, p.cpu_us);
    double periods = c.periods - p.periods;
    s.throttled = periods > 0 ? std::clamp((c.throttled - p.throttled) / periods, 0.0, 1.0) : 0.0;
    s.cpu_pressure = std::clamp(rate(c.cpu_stall_us, p.cpu_stall_us), 0.0, 1.0);
    s.memory_pressure = std::clamp(rate(c.mem_stall_us, p.mem_stall_us), 0.0, 1.0);
    s.refaults_per_s = rate(c.refaults, p.refaults) * 1e6;
  }
  last_[path] = c;
  return s;
}

}  // namespace hostmind
