#include "act/sched_hints.h"

#include <gtest/gtest.h>

namespace hostmind {
namespace {

constexpr TimeMs S = kMsPerSecond;

class FakeSchedHost final : public SchedHost {
 public:
  struct Proc {
    TimeMs cpu_ms = 0;
    TimeMs wait_ms = 0;
    uint64_t start_ticks = 1;
    std::map<int32_t, TaskSched> threads;
  };
  std::vector<int32_t> Threads(int32_t pid) override {
    std::vector<int32_t> out;
    if (procs.count(pid))
      for (const auto& [tid, s] : procs[pid].threads) out.push_back(tid);
    return out;
  }
  bool Usage(int32_t pid, ProcessSchedUsage* usage) override {
    if (!procs.count(pid)) return false;
    *usage = ProcessSchedUsage{procs[pid].cpu_ms, procs[pid].wait_ms, procs[pid].start_ticks};
    return true;
  }
  TaskSched* Find(int32_t tid) {
    for (auto& [pid, p] : procs)
      if (auto it = p.threads.find(tid); it != p.threads.end()) return &it->second;
    return nullptr;
  }
  Result<TaskSched> Get(int32_t tid) override {
    if (TaskSched* s = Find(tid)) return *s;
    return Status::NotFound("no thread");
  }
  Status Set(int32_t tid, const TaskSched& s) override {
    TaskSched* t = Find(tid);
    if (!t) return Status::NotFound("no thread");
    *t = s;
    return Status::Ok();
  }
  std::map<int32_t, Proc> procs;
};

struct Rig {
  Rig() : clock(1000 * S), store(std::move(*Store::Open(":memory:"))) {}
  std::unique_ptr<SchedHinter> Make(ActMode mode = ActMode::kEnforce) {
    SchedHintOptions o;
    o.mode = mode;
    o.long_after_ms = 30 * S;
    o.min_cpu = 0.8;
    o.min_age_ms = 2 * S;
    o.slice_ms = 20;
    auto h = std::make_unique<SchedHinter>(o, [this] { return runs; }, host, *store, clock);
    EXPECT_TRUE(h->Start().ok());
    return h;
  }
  // A process that exec'd `age` ago, used `cpu` of it and waited `wait` for a CPU, predicted to
  // run `predicted`.
  void Add(int32_t pid, TimeMs age, TimeMs cpu, TimeMs predicted, int threads = 1, TimeMs wait = 0,
           const std::string& args = "") {
    FakeSchedHost::Proc p;
    p.cpu_ms = cpu;
    p.wait_ms = wait;
    p.start_ticks = 100 + pid;
    for (int i = 0; i < threads; ++i) p.threads[pid + i] = TaskSched{0, 5, 0};
    host.procs[pid] = p;
    runs.push_back(OpenRun{pid, "/usr/bin/work", "/usr/bin/work" + (args.empty() ? " --job " + std::to_string(pid) : " " + args), clock.Now() - age, predicted, predicted * 2, PredictionSource::kModel});
  }
  FakeClock clock;
  FakeSchedHost host;
  std::unique_ptr<Store> store;
  std::vector<OpenRun> runs;
};

TEST(SchedHints, LongCpuBoundProcessesGetBatchAndALongerSliceOthersKeepTheDefault) {
  Rig r;
  r.Add(100, 10 * S, 9800, 600 * S, 3);  // long, CPU-bound, three threads
  r.Add(200, 10 * S, 1000, 600 * S);     // long but mostly asleep
  r.Add(300, 10 * S, 10 * S, 5 * S);     // CPU-bound but predicted short
  r.Add(400, 1 * S, 1 * S, 600 * S);     // too young to judge
  r.Add(500, 40 * S, 39 * S, 5 * S);     // predicted short, but has run past the bar
  auto h = r.Make();
  auto actions = h->Plan(r.clock.Now());
  ASSERT_EQ(actions.size(), 2u);
  EXPECT_EQ(actions[0].target, "pid 100 (/usr/bin/work)");
  EXPECT_NE(actions[0].reason.find("predicted to run"), std::string::npos) << actions[0].reason;
  EXPECT_NE(actions[1].reason.find("longer than its prediction"), std::string::npos) << actions[1].reason;
  EXPECT_EQ(actions[0].old_value, "normal nice 5");
  EXPECT_EQ(actions[0].new_value, "batch nice 5 slice 20ms");
  h->Apply(actions);
  EXPECT_EQ(actions[0].status, ActionStatus::kApplied);
  for (int tid : {100, 101, 102}) {
    EXPECT_EQ(r.host.Find(tid)->policy, 3u);
    EXPECT_EQ(r.host.Find(tid)->nice, 5);
    EXPECT_EQ(r.host.Find(tid)->slice_ns, 20'000'000u);
  }
  EXPECT_EQ(r.host.Find(200)->policy, 0u);
  EXPECT_EQ(r.host.Find(300)->policy, 0u);
  EXPECT_TRUE(h->Plan(r.clock.Now()).empty());  // decided once

  ASSERT_TRUE(h->Restore().ok());
  for (int tid : {100, 101, 102, 500}) EXPECT_EQ(r.host.Find(tid)->policy, 0u) << tid;
  EXPECT_EQ(r.host.Find(100)->slice_ns, 0u);
}

TEST(SchedHints, AHogSharingBusyCpusIsCpuBoundASleeperIsNot) {
  // Both got half a CPU over their 10 s; the first waited for a CPU the rest of the time (two
  // hogs per CPU), the second slept it.
  Rig r;
  r.Add(100, 10 * S, 5 * S, 600 * S, 1, 4800);
  r.Add(200, 10 * S, 5 * S, 600 * S, 1, 200);
  auto h = r.Make();
  auto actions = h->Plan(r.clock.Now());
  ASSERT_EQ(actions.size(), 1u);
  EXPECT_EQ(actions[0].target, "pid 100 (/usr/bin/work)");
  EXPECT_NE(actions[0].reason.find("runnable 98% of the time: 50% on a CPU, 48% waiting for one"), std::string::npos)
      << actions[0].reason;
}

TEST(SchedHints, ObserveChangesNothingAndACrashIsUndoneAtTheNextStart) {
  Rig r;
  r.Add(100, 10 * S, 10 * S, 600 * S);
  {
    auto observe = r.Make(ActMode::kObserve);
    auto actions = observe->Plan(r.clock.Now());
    ASSERT_EQ(actions.size(), 1u);
    observe->Apply(actions);
    EXPECT_EQ(r.host.Find(100)->policy, 0u);
  }
  auto h = r.Make();
  auto actions = h->Plan(r.clock.Now());
  h->Apply(actions);
  EXPECT_EQ(r.host.Find(100)->policy, 3u);
  h.reset();  // a crash: no Restore
  r.Add(900, 10 * S, 10 * S, 600 * S);
  r.host.procs[900].start_ticks = 1;  // not the process that was changed
  r.host.procs[900].threads[900].policy = 3;
  auto next = r.Make();  // Start() puts back what the crashed run changed
  EXPECT_EQ(r.host.Find(100)->policy, 0u);
  EXPECT_EQ(r.host.Find(900)->policy, 3u);
}

TEST(SchedHints, ARerunOfACpuBoundCommandIsHintedAtOnceAndPutBackIfThisRunIsNot) {
  Rig r;
  r.Add(100, 10 * S, 10 * S, 600 * S, 1, 0, "train.py");
  {
    auto first = r.Make();
    auto actions = first->Plan(r.clock.Now());
    ASSERT_EQ(actions.size(), 1u);
    first->Apply(actions);
    ASSERT_TRUE(first->Restore().ok());
  }
  // The next agent (the memory is in the store) sees two reruns 0.5 s after their exec, and a
  // different command line of the same program, equally young.
  r.runs.clear();
  r.host.procs.clear();
  r.Add(200, S / 2, S / 2, 600 * S, 1, 0, "train.py");
  r.Add(300, S / 2, S / 2, 600 * S, 1, 0, "train.py");
  r.Add(400, S / 2, S / 2, 600 * S, 1, 0, "serve.py");
  auto h = r.Make();
  auto actions = h->Plan(r.clock.Now());
  ASSERT_EQ(actions.size(), 2u);
  EXPECT_NE(actions[0].reason.find("CPU-bound in its earlier runs"), std::string::npos) << actions[0].reason;
  h->Apply(actions);
  EXPECT_EQ(r.host.Find(200)->policy, 3u);
  EXPECT_EQ(r.host.Find(300)->policy, 3u);
  EXPECT_EQ(r.host.Find(400)->policy, 0u);

  // At 3 s of age, 200 has been runnable throughout; 300 slept most of it.
  r.clock.Advance(2500);
  r.host.procs[200].cpu_ms = 3 * S;
  r.host.procs[300].cpu_ms = 300;
  actions = h->Plan(r.clock.Now());
  ASSERT_EQ(actions.size(), 1u);
  EXPECT_EQ(actions[0].target, "pid 300 (/usr/bin/work)");
  EXPECT_NE(actions[0].reason.find("not CPU-bound (runnable 10% of its 3 s)"), std::string::npos) << actions[0].reason;
  h->Apply(actions);
  EXPECT_EQ(actions[0].status, ActionStatus::kRestored);
  EXPECT_EQ(r.host.Find(300)->policy, 0u);
  EXPECT_EQ(r.host.Find(200)->policy, 3u);
  EXPECT_TRUE(h->Plan(r.clock.Now()).empty());  // both decided

  // The command line is forgotten: its next run waits to be judged.
  r.Add(500, S / 2, S / 2, 600 * S, 1, 0, "train.py");
  EXPECT_TRUE(h->Plan(r.clock.Now()).empty());
}

}  // namespace
}  // namespace hostmind
