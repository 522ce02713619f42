// The cgroup controller on this host's real hierarchy (v1, v2 or hybrid): it creates cgroups,
// enforces limits on a real busy process, and restores every original on stop, and on the next
// start after kill -9.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "act/cgroup_controller.h"
#include "agent_process.h"
#include "test_util.h"

namespace hostmind {
namespace {

namespace fs = std::filesystem;

std::string Slurp(const std::string& path) {
  std::string v = testing::ReadWholeFile(path);
  while (!v.empty() && v.back() == '\n') v.pop_back();
  return v;
}

// The reason cgroup control cannot be tested here, or "" when it can.
std::string MissingFeature(const CgroupLayout& layout) {
  if (geteuid() != 0) return "not root: cgroup files are not writable";
  if (!layout.Locate("cpu", "/") || !layout.Locate("memory", "/")) return "no cpu or memory cgroup controller";
  std::string probe = layout.Locate("cpu", "/hostmind-probe-" + std::to_string(getpid()))->dir;
  if (!fs::create_directory(probe)) return "cannot create a cgroup under " + probe;
  fs::remove(probe);
  return "";
}

// A child spinning on the CPU, killed and reaped when the test ends however it ends.
class BusyChild {
 public:
  BusyChild() : pid_(fork()) {
    if (pid_ == 0) {
      volatile uint64_t x = 0;
      for (;;) x = x + 1;
    }
  }
  ~BusyChild() { Reap(); }
  void Reap() {
    if (pid_ <= 0) return;
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }
  pid_t pid() const { return pid_; }

 private:
  pid_t pid_;
};

class AllocRuntime : public ::testing::Test {
 protected:
  void SetUp() override {
    auto layout = DetectCgroupLayout(env_);
    ASSERT_TRUE(layout.ok()) << layout.status().ToString();
    layout_ = *layout;
    if (std::string why = MissingFeature(layout_); !why.empty()) GTEST_SKIP() << why;
    subtree_ = "/hostmind-test-" + std::to_string(getpid());
  }
  void TearDown() override {
    // Whatever a failed test left: move nothing (its processes are reaped), remove the dirs.
    for (const char* c : {"cpu", "cpuacct", "memory", "pressure"}) {
      auto loc = layout_.Locate(c, subtree_);
      if (!loc || subtree_.empty()) continue;
      for (const char* w : {"/web", "/batch"}) rmdir((loc->dir + w).c_str());
      rmdir(loc->dir.c_str());
    }
  }
  std::string Dir(const char* controller, const std::string& rel) { return layout_.Locate(controller, subtree_ + rel)->dir; }

  DiskHostEnv env_;
  CgroupLayout layout_;
  std::string subtree_;
};

TEST_F(AllocRuntime, EnforcesOnRealCgroupsAndRestoresOnStop) {
  auto store = Store::Open(":memory:");
  ASSERT_TRUE(store.ok());
  DiskHostWriter writer;
  SystemClock clock;
  AllocConfig config = ParseConfig("", "t")->alloc;
  config.mode = "enforce";
  config.subtree = subtree_;
  AllocWorkloadConfig web, batch;
  web.name = "web";
  web.klass = "latency-critical";
  batch.name = "batch";
  batch.cpu_min = 0.25;
  batch.cpu_max = 1.0;
  batch.memory_max = 1ull << 30;
  config.workloads = {web, batch};
  CgroupController::Deps deps{&env_, &writer, store->get(), &clock, {}, 0};
  auto controller = CgroupController::Create(config, deps);
  ASSERT_TRUE(controller.ok()) << controller.status().ToString();
  ASSERT_TRUE((*controller)->Start().ok());
  ASSERT_TRUE(fs::exists(Dir("cpu", "/batch"))) << "the controller creates the workloads it owns";

  BusyChild busy;
  ASSERT_TRUE((*controller)->control().MovePid(subtree_ + "/batch", busy.pid()).ok());
  for (int i = 0; i < 6; ++i) {
    auto actions = (*controller)->Plan(clock.Now());
    (*controller)->Apply(actions);
    for (const auto& a : actions) EXPECT_EQ(a.status, ActionStatus::kApplied) << a.knob << ": " << a.error;
    std::this_thread::sleep_for(std::chrono::milliseconds(400));
  }
  EXPECT_EQ(Slurp(Dir("cpu", "/web") + "/cpu.shares"), "102400");
  double quota = std::stod(Slurp(Dir("cpu", "/batch") + "/cpu.cfs_quota_us"));
  EXPECT_GE(quota, 25000);   // cpu_min 0.25 of a 100 ms period
  EXPECT_LE(quota, 100000);  // cpu_max 1.0
  uint64_t limit = std::stoull(Slurp(Dir("memory", "/batch") + "/memory.limit_in_bytes"));
  EXPECT_LE(limit, 1ull << 30);
  // The busy process really is limited: it uses no more than its quota.
  CgroupUsageReader reader(layout_);
  ASSERT_TRUE(reader.Read(env_, subtree_ + "/batch", clock.Now()).ok());
  std::this_thread::sleep_for(std::chrono::seconds(2));
  auto usage = reader.Read(env_, subtree_ + "/batch", clock.Now());
  ASSERT_TRUE(usage.ok());
  EXPECT_LE(usage->cpu_cores, quota / 100000.0 + 0.05);
  EXPECT_GT(usage->cpu_cores, 0.02);

  busy.Reap();
  ASSERT_TRUE((*controller)->Restore().ok());
  EXPECT_FALSE(fs::exists(Dir("cpu", "/batch"))) << "created cgroups are removed on stop";
  EXPECT_FALSE(fs::exists(Dir("memory", "/web")));
  EXPECT_FALSE(fs::exists(Dir("cpu", ""))) << "and the subtree they were made in";
}

TEST_F(AllocRuntime, AgentRestoresOnSigtermAndAfterKill9) {
  // Adopted cgroups, made by the "operator" (this test) with known values.
  for (const char* c : {"cpu", "cpuacct", "memory", "pressure"})
    for (const char* w : {"", "/web", "/batch"}) fs::create_directories(Dir(c, w));
  std::string web_shares = Dir("cpu", "/web") + "/cpu.shares";
  std::string batch_quota = Dir("cpu", "/batch") + "/cpu.cfs_quota_us";
  ASSERT_EQ(Slurp(web_shares), "1024");
  ASSERT_EQ(Slurp(batch_quota), "-1");
  BusyChild busy;
  std::ofstream(Dir("cpu", "/batch") + "/cgroup.procs") << busy.pid();

  testing::TempDir dir;
  auto yaml = [&](const std::string& mode) {
    return "alloc:\n  mode: " + mode + "\n  interval: 500ms\n  workloads:\n    - {name: web, path: " + subtree_ +
           "/web, class: latency-critical}\n    - {name: batch, path: " + subtree_ +
           "/batch, class: batch, cpu_min: 0.25, cpu_max: 1}\n";
  };
  testing::AgentProcess agent(dir, yaml("enforce"));
  auto changed = [&] { return Slurp(web_shares) == "102400" && Slurp(batch_quota) != "-1"; };

  // 1. SIGTERM: the agent puts everything back before it exits.
  ASSERT_TRUE(agent.Start()) << agent.Log();
  ASSERT_TRUE(testing::WaitFor(changed, std::chrono::seconds(20))) << agent.Log();
  ASSERT_EQ(agent.Signal(SIGTERM, std::chrono::seconds(10)), 0) << agent.Log();
  EXPECT_EQ(Slurp(web_shares), "1024");
  EXPECT_EQ(Slurp(batch_quota), "-1");

  // 2. kill -9: nothing can restore...
  ASSERT_TRUE(agent.Start()) << agent.Log();
  ASSERT_TRUE(testing::WaitFor(changed, std::chrono::seconds(20))) << agent.Log();
  agent.Signal(SIGKILL, std::chrono::seconds(10));
  EXPECT_EQ(Slurp(web_shares), "102400") << "kill -9 leaves the values changed";

  // 3. ...until the next start, which restores before anything else, even in observe mode.
  dir.Write("hostmind.yaml", "agent:\n  state_dir: " + dir.path() + "/state\nhttp:\n  port: 0\n" + yaml("observe"));
  ASSERT_TRUE(agent.Start()) << agent.Log();
  EXPECT_EQ(Slurp(web_shares), "1024");
  EXPECT_EQ(Slurp(batch_quota), "-1");
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  EXPECT_EQ(Slurp(batch_quota), "-1") << "observe mode changes nothing";

  // Every step is in the audit log, served by the API and explained by the CLI.
  auto r = agent.Get("/api/v1/actions?actuator=alloc&limit=1000");
  ASSERT_TRUE(r.ok() && r->status == 200);
  auto j = nlohmann::json::parse(r->body);
  int64_t restored_at_start = 0;
  for (const auto& a : j["actions"])
    if (a["status"] == "restored" && a["reason"].get<std::string>().find("at start") != std::string::npos)
      restored_at_start = a["id"].get<int64_t>();
  ASSERT_GT(restored_at_start, 0) << r->body;
  auto one = agent.Get("/api/v1/actions/" + std::to_string(restored_at_start));  // the dashboard's action drawer
  ASSERT_TRUE(one.ok() && one->status == 200) << (one.ok() ? one->body : one.status().message());
  EXPECT_NE(nlohmann::json::parse(one->body)["explanation"].get<std::string>().find("crash or kill -9"), std::string::npos);
  agent.Signal(SIGTERM, std::chrono::seconds(10));
  std::string out;
  ASSERT_EQ(testing::RunCommand(std::string(HOSTMIND_BINARY) + " explain action " + std::to_string(restored_at_start) +
                                    " --config " + dir.path() + "/hostmind.yaml",
                                &out),
            0);
  EXPECT_NE(out.find("crash or kill -9"), std::string::npos) << out;
}

}  // namespace
}  // namespace hostmind
