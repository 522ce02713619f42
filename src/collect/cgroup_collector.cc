#include "collect/cgroup_collector.h"

#include <algorithm>
#include <set>

#include "collect/pressure.h"
#include "core/metric_catalog.h"

namespace hostmind {

namespace {

// v1 reports "no limit" as a huge page-aligned number.
constexpr uint64_t kV1Unlimited = 1ULL << 62;

bool IsCgroupDirName(const std::string& name) {
  // Control files contain a dot ("memory.stat"); child cgroups are the other entries that
  // are directories. A cgroup name with a dot is possible but rare; listing it as a child
  // costs one failed read.
  return name.find('.') == std::string::npos && name != "tasks" && name != "notify_on_release" &&
         name != "release_agent";
}

}  // namespace

CgroupCollector::CgroupCollector(int max_depth, size_t max_cgroups) : max_depth_(max_depth), max_cgroups_(max_cgroups) {
  DescribeMetric("hostmind_cgroup_cpu_usage_ratio", "CPU used by the cgroup since the last sample, in cores.");
  DescribeMetric("hostmind_cgroup_cpu_throttled_ratio", "Share of time the cgroup was throttled by its CPU quota.");
  DescribeMetric("hostmind_cgroup_memory_usage_bytes", "Memory charged to the cgroup.");
  DescribeMetric("hostmind_cgroup_memory_limit_bytes", "The cgroup's hard memory limit (absent when unlimited).");
  DescribeMetric("hostmind_cgroup_io_read_bytes_per_second", "Bytes the cgroup read from block devices per second.");
  DescribeMetric("hostmind_cgroup_io_written_bytes_per_second", "Bytes the cgroup wrote to block devices per second.");
  DescribeMetric("hostmind_cgroup_pressure_stall_ratio", "Share of time the cgroup's tasks stalled on the resource (PSI).");
  DescribeMetric("hostmind_cgroup_pressure_stall_seconds_total", "Total time the cgroup's tasks stalled on the resource (PSI).");
  DescribeMetric("hostmind_cgroup_hierarchy_info", "Always 1: the cgroup mode and which hierarchy holds each controller.");
}

Status CgroupCollector::Collect(CollectContext& ctx) {
  if (!layout_) {
    auto layout = DetectCgroupLayout(ctx.env());
    if (!layout.ok()) return layout.status();
    if (layout->mode == CgroupMode::kNone) return Status::Unavailable("no cgroup filesystem is mounted");
    layout_ = *layout;
  }
  auto where = [&](const char* c) {
    auto loc = layout_->Locate(c, "/");
    return !loc ? std::string("none") : loc->v2 ? std::string("v2") : std::string("v1");
  };
  ctx.out().Gauge(SeriesKey("hostmind_cgroup_hierarchy_info", {{"mode", CgroupModeName(layout_->mode)},
                                                               {"cpu", where("cpu")},
                                                               {"memory", where("memory")},
                                                               {"io", layout_->Locate("blkio", "/") ? "v1" : where("io")},
                                                               {"pressure", where("pressure")}}),
                  1);
  for (const auto& cg : ListCgroups(ctx.env())) {
    CollectCpu(cg, ctx);
    CollectMemory(cg, ctx);
    CollectIo(cg, ctx);
    CollectPressure(cg, ctx);
  }
  rates_.ForgetOlderThan(ctx.now() - 10 * kMsPerMinute);
  return Status::Ok();
}

std::vector<std::string> CgroupCollector::ListCgroups(HostEnv& env) const {
  // The union of the trees that hold the controllers we read: on a hybrid host the v1 memory
  // tree and the v2 tree can differ.
  std::set<std::string> roots;
  for (const char* c : {"memory", "cpu", "cpuacct"})
    if (auto loc = layout_->Locate(c, "/")) roots.insert(loc->dir);
  if (!layout_->v2_root.empty()) roots.insert(layout_->v2_root);
  std::vector<std::string> out{"/"};
  for (const auto& root : roots) Walk(env, root, "", 1, out);
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  if (out.size() > max_cgroups_) out.resize(max_cgroups_);
  return out;
}

void CgroupCollector::Walk(HostEnv& env, const std::string& root, const std::string& path, int depth,
                           std::vector<std::string>& out) const {
  if (depth > max_depth_ || out.size() >= max_cgroups_ * 2) return;
  auto names = env.ListDir(root + path);
  if (!names.ok()) return;
  std::sort(names->begin(), names->end());
  for (const auto& n : *names) {
    if (!IsCgroupDirName(n)) continue;
    std::string child = path + "/" + n;
    if (!env.ListDir(root + child).ok()) continue;  // a file without a dot, not a cgroup
    out.push_back(child);
    Walk(env, root, child, depth + 1, out);
  }
}

std::optional<std::string> CgroupCollector::Read(const std::string& controller, const std::string& cg,
                                                 const std::string& file, CollectContext& ctx) {
  auto loc = layout_->Locate(controller, cg);
  if (!loc) return std::nullopt;
  auto text = ctx.env().ReadFile(loc->dir + "/" + file);
  if (!text.ok()) {
    if (text.status().code() != StatusCode::kNotFound) ctx.CountError(text.status());
    return std::nullopt;
  }
  return *text;
}

void CgroupCollector::CollectCpu(const std::string& cg, CollectContext& ctx) {
  std::vector<Label> l{{"cgroup", cg}};
  auto loc = layout_->Locate("cpu", cg);
  if (!loc) return;
  int bad = 0;
  double usage_s = -1, throttled_s = -1;
  if (loc->v2) {
    if (auto text = Read("cpu", cg, "cpu.stat", ctx)) {
      auto kv = ParseKeyValue(*text, &bad);
      if (kv.count("usage_usec")) usage_s = static_cast<double>(kv["usage_usec"]) / 1e6;
      if (kv.count("throttled_usec")) throttled_s = static_cast<double>(kv["throttled_usec"]) / 1e6;
    }
  } else {
    if (auto text = Read("cpuacct", cg, "cpuacct.usage", ctx)) {
      if (auto v = ParseU64(SplitFields(*text).empty() ? "" : SplitFields(*text)[0])) usage_s = static_cast<double>(*v) / 1e9;
      else ++bad;
    }
    if (auto text = Read("cpu", cg, "cpu.stat", ctx)) {
      auto kv = ParseKeyValue(*text, &bad);
      if (kv.count("throttled_time")) throttled_s = static_cast<double>(kv["throttled_time"]) / 1e9;
    }
  }
  if (bad) ctx.CountError(Status::Corrupt("cgroup " + cg + ": bad cpu accounting file"));
  if (usage_s >= 0)
    if (auto r = rates_.Rate(cg + "/cpu", usage_s, ctx.now())) ctx.out().Gauge(SeriesKey("hostmind_cgroup_cpu_usage_ratio", l), *r);
  if (throttled_s >= 0)
    if (auto r = rates_.Rate(cg + "/throttled", throttled_s, ctx.now()))
      ctx.out().Gauge(SeriesKey("hostmind_cgroup_cpu_throttled_ratio", l), std::min(1.0, *r));
}

void CgroupCollector::CollectMemory(const std::string& cg, CollectContext& ctx) {
  std::vector<Label> l{{"cgroup", cg}};
  auto loc = layout_->Locate("memory", cg);
  if (!loc) return;
  auto first_number = [&](const std::optional<std::string>& text) -> std::optional<uint64_t> {
    if (!text) return std::nullopt;
    auto f = SplitFields(*text);
    if (f.empty()) return std::nullopt;
    if (f[0] == "max") return kV1Unlimited;
    auto v = ParseU64(f[0]);
    if (!v) ctx.CountError(Status::Corrupt("cgroup " + cg + ": bad memory value"));
    return v;
  };
  auto usage = first_number(Read("memory", cg, loc->v2 ? "memory.current" : "memory.usage_in_bytes", ctx));
  auto limit = first_number(Read("memory", cg, loc->v2 ? "memory.max" : "memory.limit_in_bytes", ctx));
  if (usage) ctx.out().Gauge(SeriesKey("hostmind_cgroup_memory_usage_bytes", l), static_cast<double>(*usage));
  if (limit && *limit < kV1Unlimited) ctx.out().Gauge(SeriesKey("hostmind_cgroup_memory_limit_bytes", l), static_cast<double>(*limit));
}

void CgroupCollector::CollectIo(const std::string& cg, CollectContext& ctx) {
  std::vector<Label> l{{"cgroup", cg}};
  double read = 0, written = 0;
  bool have = false;
  if (layout_->Locate("blkio", cg)) {
    // v1: "8:0 Read 1234" lines per device, plus a "Total" line.
    if (auto text = Read("blkio", cg, "blkio.throttle.io_service_bytes", ctx)) {
      have = true;
      int bad = 0;
      for (auto line : SplitLines(*text)) {
        auto f = SplitFields(line);
        if (f.size() == 2 && f[0] == "Total") continue;
        auto v = f.size() == 3 ? ParseU64(f[2]) : std::nullopt;
        if (!v) {
          bad += !line.empty();
          continue;
        }
        if (f[1] == "Read") read += static_cast<double>(*v);
        if (f[1] == "Write") written += static_cast<double>(*v);
      }
      if (bad) ctx.CountError(Status::Corrupt("cgroup " + cg + " blkio.throttle.io_service_bytes: bad lines"));
    }
  } else if (auto text = Read("io", cg, "io.stat", ctx)) {
    // v2: "8:0 rbytes=1 wbytes=2 rios=3 wios=4 dbytes=0 dios=0" per device.
    have = true;
    for (auto line : SplitLines(*text))
      for (auto field : SplitFields(line)) {
        if (field.rfind("rbytes=", 0) == 0) read += static_cast<double>(ParseU64(field.substr(7)).value_or(0));
        if (field.rfind("wbytes=", 0) == 0) written += static_cast<double>(ParseU64(field.substr(7)).value_or(0));
      }
  }
  if (!have) return;
  if (auto r = rates_.Rate(cg + "/ior", read, ctx.now())) ctx.out().Gauge(SeriesKey("hostmind_cgroup_io_read_bytes_per_second", l), *r);
  if (auto r = rates_.Rate(cg + "/iow", written, ctx.now()))
    ctx.out().Gauge(SeriesKey("hostmind_cgroup_io_written_bytes_per_second", l), *r);
}

void CgroupCollector::CollectPressure(const std::string& cg, CollectContext& ctx) {
  for (const char* resource : {"cpu", "memory", "io"}) {
    auto text = Read("pressure", cg, std::string(resource) + ".pressure", ctx);
    if (!text) continue;
    auto psi = ParsePsi(*text);
    if (!psi.ok()) {
      ctx.CountError(Status::Corrupt("cgroup " + cg + " " + resource + ".pressure: " + psi.status().message()));
      continue;
    }
    EmitPsi(*psi, "hostmind_cgroup_pressure", {{"cgroup", cg}, {"resource", resource}}, cg + "/psi/" + resource, rates_, ctx);
  }
}

}  // namespace hostmind
