#include "collect/disk_collector.h"

#include <cctype>

#include "core/metric_catalog.h"

namespace hostmind {

DiskCollector::DiskCollector() {
  DescribeMetric("hostmind_disk_reads_per_second", "Reads completed per second.");
  DescribeMetric("hostmind_disk_writes_per_second", "Writes completed per second.");
  DescribeMetric("hostmind_disk_read_bytes_per_second", "Bytes read per second.");
  DescribeMetric("hostmind_disk_written_bytes_per_second", "Bytes written per second.");
  DescribeMetric("hostmind_disk_utilization_ratio", "Share of time the device had I/O in flight.");
  DescribeMetric("hostmind_disk_read_await_seconds", "Average time a read took, queueing included, over the interval.");
  DescribeMetric("hostmind_disk_write_await_seconds", "Average time a write took, queueing included, over the interval.");
  DescribeMetric("hostmind_disk_io_in_progress", "I/Os in flight at the time of the sample.");
}

bool DiskCollector::IsWholeDisk(const std::string& dev, const std::set<std::string>& block_devices) const {
  if (dev.rfind("loop", 0) == 0 || dev.rfind("ram", 0) == 0) return false;
  if (!block_devices.empty()) return block_devices.count(dev) > 0;
  // No /sys/block to ask: treat sdX1, vdX1, nvme0n1p1, mmcblk0p1 as partitions.
  if (dev.find('p') != std::string::npos && (dev.rfind("nvme", 0) == 0 || dev.rfind("mmcblk", 0) == 0))
    return false;
  return !std::isdigit(static_cast<unsigned char>(dev.back())) || dev.rfind("nvme", 0) == 0 ||
         dev.rfind("mmcblk", 0) == 0 || dev.rfind("dm-", 0) == 0 || dev.rfind("md", 0) == 0;
}

Status DiskCollector::Collect(CollectContext& ctx) {
  auto text = ctx.env().ReadFile("/proc/diskstats");
  if (!text.ok()) return text.status();
  std::set<std::string> block_devices;
  if (auto names = ctx.env().ListDir("/sys/block"); names.ok()) block_devices.insert(names->begin(), names->end());

  TimeMs now = ctx.now();
  for (auto line : SplitLines(*text)) {
    auto f = SplitFields(line);
    if (f.empty()) continue;
    if (f.size() < 14) {
      ctx.CountError(Status::Corrupt("/proc/diskstats: short line '" + std::string(line.substr(0, 60)) + "'"));
      continue;
    }
    std::string dev(f[2]);
    if (!IsWholeDisk(dev, block_devices)) continue;
    uint64_t v[11];
    bool ok = true;
    for (int i = 0; i < 11 && ok; ++i) {
      auto p = ParseU64(f[3 + i]);
      ok = p.has_value();
      v[i] = p.value_or(0);
    }
    if (!ok) {
      ctx.CountError(Status::Corrupt("/proc/diskstats: bad number for " + dev));
      continue;
    }
    const uint64_t reads = v[0], sectors_read = v[2], ms_reading = v[3], writes = v[4], sectors_written = v[6],
                   ms_writing = v[7], in_progress = v[8], ms_io = v[9];
    std::vector<Label> l{{"device", dev}};
    Batch& out = ctx.out();
    out.Gauge(SeriesKey("hostmind_disk_io_in_progress", l), static_cast<double>(in_progress));
    std::vector<uint64_t> counters{reads, writes, sectors_read, sectors_written, ms_reading, ms_writing, ms_io};
    auto [it, first] = prev_.try_emplace(dev, DiskSnapshot{counters, now});
    DiskSnapshot prev = it->second;
    it->second = DiskSnapshot{counters, now};
    if (first || now <= prev.ts) continue;
    std::vector<double> d(counters.size());
    bool reset = false;
    for (size_t i = 0; i < counters.size(); ++i) {
      reset |= counters[i] < prev.counters[i];
      d[i] = static_cast<double>(counters[i] - prev.counters[i]);
    }
    if (reset) continue;  // the device was replaced: start over
    double secs = static_cast<double>(now - prev.ts) / 1000.0;
    out.Gauge(SeriesKey("hostmind_disk_reads_per_second", l), d[0] / secs);
    out.Gauge(SeriesKey("hostmind_disk_writes_per_second", l), d[1] / secs);
    out.Gauge(SeriesKey("hostmind_disk_read_bytes_per_second", l), d[2] * 512 / secs);
    out.Gauge(SeriesKey("hostmind_disk_written_bytes_per_second", l), d[3] * 512 / secs);
    out.Gauge(SeriesKey("hostmind_disk_read_await_seconds", l), d[0] > 0 ? d[4] / d[0] / 1000.0 : 0);
    out.Gauge(SeriesKey("hostmind_disk_write_await_seconds", l), d[1] > 0 ? d[5] / d[1] / 1000.0 : 0);
    out.Gauge(SeriesKey("hostmind_disk_utilization_ratio", l), std::min(1.0, d[6] / 1000.0 / secs));
  }
  return Status::Ok();
}

}  // namespace hostmind
