#include "collect/self_collector.h"

#include <unistd.h>

#include "collect/parse.h"
#include "collect/process_collector.h"
#include "core/metric_catalog.h"

namespace hostmind {

SelfCollector::SelfCollector() : ticks_per_second_(sysconf(_SC_CLK_TCK)) {
  DescribeMetric("hostmind_agent_cpu_seconds_total", "CPU time the agent used (user + system).");
  DescribeMetric("hostmind_agent_resident_bytes", "The agent's resident memory (VmRSS).");
  DescribeMetric("hostmind_agent_peak_resident_bytes", "The agent's peak resident memory (VmHWM).");
  DescribeMetric("hostmind_agent_threads", "The agent's threads.");
}

Status SelfCollector::Collect(CollectContext& ctx) {
  auto stat_text = ctx.env().ReadFile("/proc/self/stat");
  if (!stat_text.ok()) return stat_text.status();
  auto stat = ParseProcStat(*stat_text);
  if (!stat.ok()) return Status::Corrupt("/proc/self/" + stat.status().message());
  Batch& out = ctx.out();
  out.Counter(SeriesKey("hostmind_agent_cpu_seconds_total"),
              static_cast<double>(stat->utime + stat->stime) / static_cast<double>(ticks_per_second_));
  out.Gauge(SeriesKey("hostmind_agent_threads"), static_cast<double>(stat->num_threads));
  auto status_text = ctx.env().ReadFile("/proc/self/status");
  if (!status_text.ok()) return status_text.status();
  int bad = 0;
  auto kv = ParseKeyValueKb(*status_text, &bad);  // non-numeric lines (Name, State) are expected
  if (kv.count("VmRSS")) out.Gauge(SeriesKey("hostmind_agent_resident_bytes"), static_cast<double>(kv["VmRSS"]));
  if (kv.count("VmHWM")) out.Gauge(SeriesKey("hostmind_agent_peak_resident_bytes"), static_cast<double>(kv["VmHWM"]));
  return Status::Ok();
}

}  // namespace hostmind
