#include "collect/memory_collector.h"

#include "core/metric_catalog.h"

namespace hostmind {

namespace {

struct MeminfoField {
  const char* key;     // /proc/meminfo name
  const char* metric;  // exported gauge
  const char* help;
};

constexpr MeminfoField kMeminfo[] = {
    {"MemTotal", "hostmind_memory_total_bytes", "Usable RAM (MemTotal)."},
    {"MemFree", "hostmind_memory_free_bytes", "Unused RAM (MemFree)."},
    {"MemAvailable", "hostmind_memory_available_bytes", "RAM available for new work without swapping (MemAvailable)."},
    {"Buffers", "hostmind_memory_buffers_bytes", "Block device buffers (Buffers)."},
    {"Cached", "hostmind_memory_cached_bytes", "Page cache (Cached)."},
    {"Dirty", "hostmind_memory_dirty_bytes", "Dirty pages waiting for writeback (Dirty)."},
    {"Shmem", "hostmind_memory_shmem_bytes", "Shared memory and tmpfs (Shmem)."},
    {"Slab", "hostmind_memory_slab_bytes", "Kernel slab allocations (Slab)."},
    {"AnonPages", "hostmind_memory_anon_bytes", "Anonymous pages mapped into user space (AnonPages)."},
    {"SwapTotal", "hostmind_swap_total_bytes", "Swap space (SwapTotal)."},
    {"SwapFree", "hostmind_swap_free_bytes", "Unused swap (SwapFree)."},
};

struct VmstatField {
  const char* key;
  const char* metric;
  const char* help;
};

constexpr VmstatField kVmstatRates[] = {
    {"pgmajfault", "hostmind_major_page_faults_per_second", "Major page faults per second (/proc/vmstat pgmajfault)."},
    {"pswpin", "hostmind_swap_in_pages_per_second", "Pages swapped in per second (/proc/vmstat pswpin)."},
    {"pswpout", "hostmind_swap_out_pages_per_second", "Pages swapped out per second (/proc/vmstat pswpout)."},
    {"pgpgin", "hostmind_page_in_kib_per_second", "KiB paged in from disk per second (/proc/vmstat pgpgin)."},
    {"pgpgout", "hostmind_page_out_kib_per_second", "KiB paged out to disk per second (/proc/vmstat pgpgout)."},
};

}  // namespace

MemoryCollector::MemoryCollector() {
  for (const auto& f : kMeminfo) DescribeMetric(f.metric, f.help);
  for (const auto& f : kVmstatRates) DescribeMetric(f.metric, f.help);
  DescribeMetric("hostmind_memory_used_ratio", "1 - MemAvailable/MemTotal.");
  DescribeMetric("hostmind_swap_used_bytes", "SwapTotal - SwapFree.");
  DescribeMetric("hostmind_oom_kills_total", "Processes killed by the kernel's OOM killer since boot (/proc/vmstat oom_kill).");
}

Status MemoryCollector::Collect(CollectContext& ctx) {
  HM_RETURN_IF_ERROR(CollectMeminfo(ctx));
  CollectVmstat(ctx);
  return Status::Ok();
}

Status MemoryCollector::CollectMeminfo(CollectContext& ctx) {
  auto text = ctx.env().ReadFile("/proc/meminfo");
  if (!text.ok()) return text.status();
  int bad = 0;
  auto kv = ParseKeyValueKb(*text, &bad);
  if (bad) ctx.CountError(Status::Corrupt("/proc/meminfo: " + std::to_string(bad) + " unparsable lines"));
  auto total = kv.find("MemTotal");
  if (total == kv.end() || total->second == 0) return Status::Corrupt("/proc/meminfo: no MemTotal");
  for (const auto& f : kMeminfo) {
    auto it = kv.find(f.key);
    if (it != kv.end()) ctx.out().Gauge(SeriesKey(f.metric), static_cast<double>(it->second));
  }
  auto avail = kv.find("MemAvailable");
  if (avail != kv.end())
    ctx.out().Gauge(SeriesKey("hostmind_memory_used_ratio"),
                    1.0 - static_cast<double>(avail->second) / static_cast<double>(total->second));
  auto swap_total = kv.find("SwapTotal"), swap_free = kv.find("SwapFree");
  if (swap_total != kv.end() && swap_free != kv.end() && swap_total->second >= swap_free->second)
    ctx.out().Gauge(SeriesKey("hostmind_swap_used_bytes"), static_cast<double>(swap_total->second - swap_free->second));
  return Status::Ok();
}

void MemoryCollector::CollectVmstat(CollectContext& ctx) {
  auto text = ctx.env().ReadFile("/proc/vmstat");
  if (!text.ok()) return ctx.CountError(text.status());
  int bad = 0;
  auto kv = ParseKeyValue(*text, &bad);
  if (bad) ctx.CountError(Status::Corrupt("/proc/vmstat: " + std::to_string(bad) + " unparsable lines"));
  for (const auto& f : kVmstatRates) {
    auto it = kv.find(f.key);
    if (it == kv.end()) continue;
    if (auto r = rates_.Rate(f.key, static_cast<double>(it->second), ctx.now())) ctx.out().Gauge(SeriesKey(f.metric), *r);
  }
  auto oom = kv.find("oom_kill");
  if (oom != kv.end()) ctx.out().Counter(SeriesKey("hostmind_oom_kills_total"), static_cast<double>(oom->second));
}

}  // namespace hostmind
