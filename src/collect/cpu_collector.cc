#include "collect/cpu_collector.h"

#include "core/metric_catalog.h"

namespace hostmind {

namespace {

// The first eight /proc/stat cpu fields; guest time is already inside user and nice.
constexpr const char* kModes[] = {"user", "nice", "system", "idle", "iowait", "irq", "softirq", "steal"};
constexpr size_t kModeCount = 8;
// Per-core lines export only the modes people look at, to keep cardinality linear and small.
constexpr bool kPerCoreMode[] = {true, false, true, false, true, false, false, false};

}  // namespace

CpuCollector::CpuCollector() {
  DescribeMetric("hostmind_cpu_utilization_ratio", "Share of CPU time by mode since the last sample (cpu=total or a core; mode=busy is all but idle and iowait).");
  DescribeMetric("hostmind_cpus_online", "Online CPUs seen in /proc/stat.");
  DescribeMetric("hostmind_context_switches_per_second", "Context switches per second (/proc/stat ctxt).");
  DescribeMetric("hostmind_forks_per_second", "Processes and threads created per second (/proc/stat processes).");
  DescribeMetric("hostmind_procs_running", "Runnable tasks (/proc/stat procs_running).");
  DescribeMetric("hostmind_procs_blocked", "Tasks blocked on I/O (/proc/stat procs_blocked).");
  DescribeMetric("hostmind_load1", "1-minute load average.");
  DescribeMetric("hostmind_load5", "5-minute load average.");
  DescribeMetric("hostmind_load15", "15-minute load average.");
}

Status CpuCollector::Collect(CollectContext& ctx) {
  auto text = ctx.env().ReadFile("/proc/stat");
  if (!text.ok()) return text.status();
  int cpus = 0;
  bool saw_total = false;
  for (auto line : SplitLines(*text)) {
    auto f = SplitFields(line);
    if (f.empty()) continue;
    if (f[0].substr(0, 3) == "cpu") {
      std::vector<uint64_t> ticks;
      for (size_t i = 1; i < f.size() && ticks.size() < kModeCount; ++i) {
        auto v = ParseU64(f[i]);
        if (!v) break;
        ticks.push_back(*v);
      }
      if (ticks.size() < 4) {  // kernels since 2.6 have at least user nice system idle
        ctx.CountError(Status::Corrupt("/proc/stat: bad line '" + std::string(line.substr(0, 60)) + "'"));
        continue;
      }
      ticks.resize(kModeCount, 0);
      bool total = f[0] == "cpu";
      saw_total |= total;
      cpus += total ? 0 : 1;
      EmitCpuLine(total ? "total" : std::string(f[0].substr(3)), ticks, ctx);
      continue;
    }
    if (f.size() != 2) continue;
    auto v = ParseU64(f[1]);
    if (!v) {
      ctx.CountError(Status::Corrupt("/proc/stat: bad value in '" + std::string(line.substr(0, 60)) + "'"));
      continue;
    }
    Batch& out = ctx.out();
    if (f[0] == "ctxt") {
      if (auto r = rates_.Rate("ctxt", static_cast<double>(*v), ctx.now()))
        out.Gauge(SeriesKey("hostmind_context_switches_per_second"), *r);
    } else if (f[0] == "processes") {
      if (auto r = rates_.Rate("processes", static_cast<double>(*v), ctx.now()))
        out.Gauge(SeriesKey("hostmind_forks_per_second"), *r);
    } else if (f[0] == "procs_running") {
      out.Gauge(SeriesKey("hostmind_procs_running"), static_cast<double>(*v));
    } else if (f[0] == "procs_blocked") {
      out.Gauge(SeriesKey("hostmind_procs_blocked"), static_cast<double>(*v));
    }
  }
  if (!saw_total) return Status::Corrupt("/proc/stat: no aggregate cpu line");
  ctx.out().Gauge(SeriesKey("hostmind_cpus_online"), cpus);
  CollectLoadAvg(ctx);
  return Status::Ok();
}

void CpuCollector::EmitCpuLine(const std::string& cpu, const std::vector<uint64_t>& ticks, CollectContext& ctx) {
  auto [it, first] = prev_ticks_.try_emplace(cpu, ticks);
  std::vector<uint64_t> prev = it->second;
  it->second = ticks;
  if (first) return;
  uint64_t total = 0;
  std::vector<uint64_t> delta(kModeCount);
  for (size_t i = 0; i < kModeCount; ++i) {
    if (ticks[i] < prev[i]) return;  // a core went offline and back: wait for the next sample
    delta[i] = ticks[i] - prev[i];
    total += delta[i];
  }
  if (total == 0) return;
  bool per_core = cpu != "total";
  for (size_t i = 0; i < kModeCount; ++i) {
    if (per_core && !kPerCoreMode[i]) continue;
    ctx.out().Gauge(SeriesKey("hostmind_cpu_utilization_ratio", {{"cpu", cpu}, {"mode", kModes[i]}}),
                    static_cast<double>(delta[i]) / static_cast<double>(total));
  }
  double idle = static_cast<double>(delta[3] + delta[4]);
  ctx.out().Gauge(SeriesKey("hostmind_cpu_utilization_ratio", {{"cpu", cpu}, {"mode", "busy"}}),
                  1.0 - idle / static_cast<double>(total));
}

void CpuCollector::CollectLoadAvg(CollectContext& ctx) {
  auto text = ctx.env().ReadFile("/proc/loadavg");
  if (!text.ok()) return ctx.CountError(text.status());
  auto f = SplitFields(*text);
  std::optional<double> l1, l5, l15;
  if (f.size() >= 3) l1 = ParseDouble(f[0]), l5 = ParseDouble(f[1]), l15 = ParseDouble(f[2]);
  if (!l1 || !l5 || !l15) return ctx.CountError(Status::Corrupt("/proc/loadavg: bad content"));
  ctx.out().Gauge(SeriesKey("hostmind_load1"), *l1);
  ctx.out().Gauge(SeriesKey("hostmind_load5"), *l5);
  ctx.out().Gauge(SeriesKey("hostmind_load15"), *l15);
}

}  // namespace hostmind
