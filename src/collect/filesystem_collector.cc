#include "collect/filesystem_collector.h"

#include "collect/parse.h"
#include "core/metric_catalog.h"

namespace hostmind {

namespace {

std::string DecodeOctalEscapes(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 3 < s.size() && s[i + 1] >= '0' && s[i + 1] <= '7' && s[i + 2] >= '0' &&
        s[i + 2] <= '7' && s[i + 3] >= '0' && s[i + 3] <= '7') {
      out += static_cast<char>((s[i + 1] - '0') * 64 + (s[i + 2] - '0') * 8 + (s[i + 3] - '0'));
      i += 3;
    } else {
      out += s[i];
    }
  }
  return out;
}

}  // namespace

std::vector<MountEntry> ParseMounts(std::string_view text, int* bad_lines) {
  std::vector<MountEntry> out;
  for (auto line : SplitLines(text)) {
    auto f = SplitFields(line);
    if (f.empty()) continue;
    if (f.size() < 4 || f[1].empty() || f[1][0] != '/') {
      ++*bad_lines;
      continue;
    }
    out.push_back({DecodeOctalEscapes(f[0]), DecodeOctalEscapes(f[1]), std::string(f[2]), std::string(f[3])});
  }
  return out;
}

FilesystemCollector::FilesystemCollector(std::vector<std::string> ignore_types)
    : ignore_types_(ignore_types.begin(), ignore_types.end()) {
  DescribeMetric("hostmind_filesystem_size_bytes", "Filesystem size.");
  DescribeMetric("hostmind_filesystem_free_bytes", "Free bytes, including those reserved for root.");
  DescribeMetric("hostmind_filesystem_avail_bytes", "Bytes available to unprivileged users.");
  DescribeMetric("hostmind_filesystem_used_bytes", "Used bytes (size - free).");
  DescribeMetric("hostmind_filesystem_used_ratio", "Used share of what users can have: used / (used + avail).");
  DescribeMetric("hostmind_filesystem_inodes", "Total inodes.");
  DescribeMetric("hostmind_filesystem_inodes_free", "Free inodes.");
  DescribeMetric("hostmind_filesystem_inodes_used_ratio", "Used share of inodes.");
}

Status FilesystemCollector::Collect(CollectContext& ctx) {
  auto text = ctx.env().ReadFile("/proc/self/mounts");
  if (!text.ok()) return text.status();
  int bad = 0;
  auto mounts = ParseMounts(*text, &bad);
  if (bad) ctx.CountError(Status::Corrupt("/proc/self/mounts: " + std::to_string(bad) + " bad lines"));
  std::set<std::string> seen_devices;
  for (const auto& m : mounts) {
    if (ignore_types_.count(m.fstype)) continue;
    // A device mounted twice (bind mounts) is one filesystem; keep its first mount point.
    if (m.device.rfind("/", 0) == 0 && !seen_devices.insert(m.device).second) continue;
    auto st = ctx.env().StatFs(m.mountpoint);
    if (!st.ok()) {
      ctx.CountError(st.status());
      continue;
    }
    if (st->total_bytes == 0) continue;  // nothing to fill
    std::vector<Label> l{{"mountpoint", m.mountpoint}, {"device", m.device}, {"fstype", m.fstype}};
    Batch& out = ctx.out();
    double used = static_cast<double>(st->total_bytes - std::min(st->total_bytes, st->free_bytes));
    double avail = static_cast<double>(st->avail_bytes);
    out.Gauge(SeriesKey("hostmind_filesystem_size_bytes", l), static_cast<double>(st->total_bytes));
    out.Gauge(SeriesKey("hostmind_filesystem_free_bytes", l), static_cast<double>(st->free_bytes));
    out.Gauge(SeriesKey("hostmind_filesystem_avail_bytes", l), avail);
    out.Gauge(SeriesKey("hostmind_filesystem_used_bytes", l), used);
    out.Gauge(SeriesKey("hostmind_filesystem_used_ratio", l), used + avail > 0 ? used / (used + avail) : 0);
    if (st->total_inodes > 0) {
      out.Gauge(SeriesKey("hostmind_filesystem_inodes", l), static_cast<double>(st->total_inodes));
      out.Gauge(SeriesKey("hostmind_filesystem_inodes_free", l), static_cast<double>(st->free_inodes));
      out.Gauge(SeriesKey("hostmind_filesystem_inodes_used_ratio", l),
                1.0 - static_cast<double>(st->free_inodes) / static_cast<double>(st->total_inodes));
    }
  }
  return Status::Ok();
}

}  // namespace hostmind
