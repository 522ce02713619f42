// The system collectors on a real host's recorded snapshot (two captures one second apart),
// and a table of corruptions of every file they read: no crash, and a counted error or a
// collector that reports itself down.
#include <gtest/gtest.h>

#include <map>
#include <memory>

#include "collect/cgroup_collector.h"
#include "collect/cpu_collector.h"
#include "collect/disk_collector.h"
#include "collect/filesystem_collector.h"
#include "collect/memory_collector.h"
#include "collect/network_collector.h"
#include "collect/pressure.h"
#include "collect/process_collector.h"
#include "core/recording.h"
#include "snapshot.h"

namespace hostmind {
namespace {

using Factory = std::unique_ptr<Collector> (*)();

std::map<std::string, Factory> Collectors() {
  return {
      {"cpu", [] { return std::unique_ptr<Collector>(new CpuCollector()); }},
      {"memory", [] { return std::unique_ptr<Collector>(new MemoryCollector()); }},
      {"pressure", [] { return std::unique_ptr<Collector>(new PressureCollector()); }},
      {"disks", [] { return std::unique_ptr<Collector>(new DiskCollector()); }},
      {"filesystems", [] { return std::unique_ptr<Collector>(new FilesystemCollector({"proc", "sysfs", "devtmpfs", "devpts", "cgroup", "cgroup2"})); }},
      {"network", [] { return std::unique_ptr<Collector>(new NetworkCollector()); }},
      {"processes", [] { return std::unique_ptr<Collector>(new ProcessCollector(5)); }},
      {"cgroups", [] { return std::unique_ptr<Collector>(new CgroupCollector()); }},
  };
}

struct RunResult {
  Status status;
  int errors = 0;
  std::map<std::string, double> values;  // series id -> value
};

RunResult RunOnce(Collector& c, HostEnv& env, TimeMs now) {
  Batch b;
  CollectContext ctx(env, now, b);
  RunResult r;
  r.status = c.Collect(ctx);
  r.errors = ctx.errors();
  for (const auto& s : b.samples) r.values[s.key.id()] = s.value;
  return r;
}

class SnapshotTest : public ::testing::Test {
 protected:
  void SetUp() override {
    testing::LoadSnapshot(testing::SnapshotDir("t0"), t0_);
    testing::LoadSnapshot(testing::SnapshotDir("t1"), t1_);
  }
  // Runs a fresh collector on t0 then t1 (one second later) and returns the second run.
  RunResult Both(const std::string& name) {
    auto c = Collectors()[name]();
    RunResult first = RunOnce(*c, t0_, 1000000);
    EXPECT_TRUE(first.status.ok()) << name << ": " << first.status.ToString();
    return RunOnce(*c, t1_, 1001000);
  }
  MemoryHostEnv t0_, t1_;
};

TEST_F(SnapshotTest, CpuRatiosArePlausible) {
  auto r = Both("cpu");
  ASSERT_TRUE(r.status.ok()) << r.status.ToString();
  EXPECT_EQ(r.errors, 0);
  double sum = 0;
  for (const char* mode : {"user", "nice", "system", "idle", "iowait", "irq", "softirq", "steal"})
    sum += r.values.at("hostmind_cpu_utilization_ratio{cpu=\"total\",mode=\"" + std::string(mode) + "\"}");
  EXPECT_NEAR(sum, 1.0, 1e-9);
  EXPECT_EQ(r.values.at("hostmind_cpus_online"), 2);
  EXPECT_TRUE(r.values.count("hostmind_cpu_utilization_ratio{cpu=\"0\",mode=\"busy\"}"));
  EXPECT_GT(r.values.at("hostmind_context_switches_per_second"), 0);
  EXPECT_GE(r.values.at("hostmind_load1"), 0);
}

TEST_F(SnapshotTest, MemoryLevelsArePlausible) {
  auto r = Both("memory");
  ASSERT_TRUE(r.status.ok());
  EXPECT_EQ(r.errors, 0);
  double total = r.values.at("hostmind_memory_total_bytes");
  EXPECT_GT(total, 1e9);
  EXPECT_LE(r.values.at("hostmind_memory_available_bytes"), total);
  EXPECT_GE(r.values.at("hostmind_memory_used_ratio"), 0);
  EXPECT_LE(r.values.at("hostmind_memory_used_ratio"), 1);
  EXPECT_TRUE(r.values.count("hostmind_oom_kills_total"));
  EXPECT_TRUE(r.values.count("hostmind_major_page_faults_per_second"));
}

TEST_F(SnapshotTest, PressureDisksNetworkFilesystems) {
  auto p = Both("pressure");
  ASSERT_TRUE(p.status.ok());
  double stall = p.values.at("hostmind_pressure_stall_ratio{kind=\"some\",resource=\"cpu\"}");
  EXPECT_GE(stall, 0);
  EXPECT_LE(stall, 1);
  auto d = Both("disks");
  ASSERT_TRUE(d.status.ok());
  EXPECT_TRUE(d.values.count("hostmind_disk_utilization_ratio{device=\"vda\"}"));
  auto n = Both("network");
  ASSERT_TRUE(n.status.ok());
  EXPECT_TRUE(n.values.count("hostmind_network_receive_bytes_per_second{interface=\"lo\"}"));
  EXPECT_TRUE(n.values.count("hostmind_tcp_established"));
  auto f = Both("filesystems");
  ASSERT_TRUE(f.status.ok());
  EXPECT_DOUBLE_EQ(f.values.at("hostmind_filesystem_avail_bytes{device=\"/dev/vda\",fstype=\"ext4\",mountpoint=\"/\"}"),
                   55.0 * (1ull << 30));
}

TEST_F(SnapshotTest, ProcessesAndCgroups) {
  auto p = Both("processes");
  ASSERT_TRUE(p.status.ok());
  EXPECT_EQ(p.values.at("hostmind_processes"), 2);
  EXPECT_TRUE(p.values.count("hostmind_process_rss_bytes{comm=\"bash\",pid=\"1169\"}"));
  auto c = Both("cgroups");
  ASSERT_TRUE(c.status.ok()) << c.status.ToString();
  EXPECT_TRUE(c.values.count("hostmind_cgroup_memory_usage_bytes{cgroup=\"/\"}"));
  EXPECT_TRUE(c.values.count("hostmind_cgroup_cpu_usage_ratio{cgroup=\"/\"}"));
  EXPECT_TRUE(c.values.count("hostmind_cgroup_pressure_stall_ratio{cgroup=\"/\",kind=\"some\",resource=\"memory\"}"));
  EXPECT_TRUE(c.values.count(
      "hostmind_cgroup_hierarchy_info{cpu=\"v1\",io=\"v1\",memory=\"v1\",mode=\"hybrid\",pressure=\"v2\"}"));
}

enum class Corruption { kMissing, kGarbage, kTruncated, kPermissionDenied };

const char* CorruptionName(Corruption c) {
  switch (c) {
    case Corruption::kMissing: return "missing";
    case Corruption::kGarbage: return "garbage";
    case Corruption::kTruncated: return "truncated";
    case Corruption::kPermissionDenied: return "permission-denied";
  }
  return "";
}

// A missing per-process or per-cgroup file is churn (the process exited, the cgroup went
// away), not an error; everything else the collectors read must never be silently lost.
bool MissingIsChurn(const std::string& path) {
  return (path.rfind("/proc/", 0) == 0 && path.size() > 6 && std::isdigit(static_cast<unsigned char>(path[6]))) ||
         path.rfind("/sys/fs/cgroup/", 0) == 0 || path == "/proc/loadavg" || path.rfind("/proc/pressure/", 0) == 0 ||
         path == "/proc/net/snmp" || path == "/proc/vmstat";
}

TEST_F(SnapshotTest, EveryInputCorruptedIsCountedNeverACrash) {
  int cases = 0;
  for (const auto& [name, make] : Collectors()) {
    // Learn which files this collector reads on a second run by recording a clean one.
    RecordingHostEnv rec(t1_);
    auto probe = make();
    RunOnce(*probe, t0_, 1000000);
    RunOnce(*probe, rec, 1001000);
    for (const auto& call : rec.TakeFrame().calls) {
      if (call.op != 'r' || call.code != 0) continue;
      for (Corruption c : {Corruption::kMissing, Corruption::kGarbage, Corruption::kTruncated, Corruption::kPermissionDenied}) {
        MemoryHostEnv env;
        testing::LoadSnapshot(testing::SnapshotDir("t1"), env);
        auto collector = make();
        RunOnce(*collector, t0_, 1000000);  // a clean first run, so rate paths are exercised too
        switch (c) {
          case Corruption::kMissing: env.RemoveFile(call.path); break;
          case Corruption::kGarbage: env.SetFile(call.path, "\x01\xff garbage (( 12 ab:cd \n\n\xfe;;,,\n"); break;
          case Corruption::kTruncated: env.SetFile(call.path, call.payload.substr(0, call.payload.size() / 2 + 1)); break;
          case Corruption::kPermissionDenied:
            env.SetError(call.path, Status::PermissionDenied("open " + call.path + ": Permission denied"));
            break;
        }
        RunResult r = RunOnce(*collector, env, 1001000);
        ++cases;
        if (c == Corruption::kTruncated) continue;  // a cut at a line boundary can be valid
        if (c == Corruption::kMissing && MissingIsChurn(call.path)) continue;
        EXPECT_TRUE(!r.status.ok() || r.errors > 0)
            << name << " did not notice " << CorruptionName(c) << " " << call.path;
      }
    }
  }
  EXPECT_GE(cases, 80);
}

TEST(Collectors, MissingSourcesSayWhatIsMissing) {
  MemoryHostEnv empty;
  empty.SetFile("/proc/self/mounts", "proc /proc proc rw 0 0\n");
  auto pressure = RunOnce(*Collectors()["pressure"](), empty, 1);
  EXPECT_EQ(pressure.status.code(), StatusCode::kUnavailable);
  EXPECT_NE(pressure.status.message().find("PSI"), std::string::npos);
  auto cgroups = RunOnce(*Collectors()["cgroups"](), empty, 1);
  EXPECT_EQ(cgroups.status.code(), StatusCode::kUnavailable);
  auto cpu = RunOnce(*Collectors()["cpu"](), empty, 1);
  EXPECT_EQ(cpu.status.code(), StatusCode::kNotFound);
  EXPECT_NE(cpu.status.message().find("/proc/stat"), std::string::npos);
}

TEST(Collectors, ProcessVanishingMidScanIsNotAnError) {
  MemoryHostEnv env;
  env.SetFile("/proc/7/stat", "7 (a)" + std::string(" S 1 1 1 0 -1 0 0 0 0 0 5 5 0 0 20 0 1 0 99 1000 10 0 0 0 0 0 0 0 0 0 0 0 0 0 17 0 0 0 0 0 0"));
  env.SetFile("/proc/8/cmdline", "");  // listed, but its stat is gone
  ProcessCollector c(3);
  auto r = RunOnce(c, env, 1000);
  EXPECT_TRUE(r.status.ok());
  EXPECT_EQ(r.errors, 0);
  EXPECT_EQ(r.values.at("hostmind_processes"), 1);
}

}  // namespace
}  // namespace hostmind
