#include "act/job_queue.h"

#include <signal.h>

#include <gtest/gtest.h>

#include "test_util.h"

namespace hostmind {
namespace {

constexpr TimeMs S = kMsPerSecond;

// Jobs "run" until the test ends them; signals are recorded.
class FakeRunner final : public JobRunner {
 public:
  Result<LaunchedJob> Launch(const Job& job) override {
    if (fail_launch) return Status::IoError("no such cgroup");
    live[job.id] = JobCheck{JobLiveness::kRunning, -1};
    launched.push_back(job.id);
    return LaunchedJob{static_cast<int32_t>(1000 + job.id), 42};
  }
  JobCheck Check(const Job& job) override {
    auto it = live.find(job.id);
    return it == live.end() ? JobCheck{JobLiveness::kLost, -1} : it->second;
  }
  Status Signal(const Job& job, int signal) override {
    signals.emplace_back(job.id, signal);
    return Status::Ok();
  }
  void Cleanup(const Job& job) override { cleaned.push_back(job.id); }
  std::string Describe() const override { return "fake"; }

  void Exit(uint64_t id, int code) { live[id] = JobCheck{JobLiveness::kExited, code}; }

  bool fail_launch = false;
  std::map<uint64_t, JobCheck> live;
  std::vector<uint64_t> launched, cleaned;
  std::vector<std::pair<uint64_t, int>> signals;
};

// Keeps every saved record, as SQLite would.
class MemoryLedger final : public JobLedger {
 public:
  Status Save(const Job& job) override {
    // Round-trips through JSON so the test covers what a restart would read back.
    auto back = JobFromJson(nlohmann::json::parse(JobToJson(job).dump()));
    if (!back.ok()) return back.status();
    rows[job.id] = *back;
    return Status::Ok();
  }
  Result<std::vector<Job>> LoadRecent(size_t) override {
    std::vector<Job> out;
    for (const auto& [id, job] : rows) out.push_back(job);
    return out;
  }
  std::map<uint64_t, Job> rows;
};

JobQueueOptions Options(const std::string& policy = "easy-predicted") {
  JobQueueOptions o;
  o.policy = policy;
  o.capacity = Resources{2, 1ull << 30};
  o.default_limit_ms = 3600 * S;
  o.max_limit_ms = 24 * 3600 * S;
  o.kill_grace_ms = 5 * S;
  o.jobs_dir = "/nonexistent/jobs";
  return o;
}

JobSpec Spec(double cpus, TimeMs limit_s, std::vector<std::string> argv = {"/bin/true"}) {
  JobSpec s;
  s.argv = std::move(argv);
  s.cwd = "/";
  s.uid = 1000;
  s.user = "alice";
  s.cpus = cpus;
  s.limit_ms = limit_s * S;
  return s;
}

class JobQueueTest : public ::testing::Test {
 protected:
  std::unique_ptr<JobQueue> Make(RuntimeService* predictor = nullptr, JobQueueOptions o = Options()) {
    auto q = std::make_unique<JobQueue>(o, ledger, runner, predictor, clock);
    EXPECT_TRUE(q->Load().ok());
    return q;
  }
  uint64_t Submit(JobQueue& q, JobSpec spec) {
    auto job = q.Submit(std::move(spec));
    EXPECT_TRUE(job.ok()) << job.status().ToString();
    return job.ok() ? job->id : 0;
  }
  JobState StateOf(JobQueue& q, uint64_t id) { return q.Get(id)->state; }

  FakeClock clock{1'000'000 * S};
  FakeRunner runner;
  MemoryLedger ledger;
};

TEST_F(JobQueueTest, BadSubmissionsAreRefusedWithWhatToChange) {
  auto q = Make();
  struct Case {
    JobSpec spec;
    std::string says;
  };
  JobSpec no_cwd = Spec(1, 10);
  no_cwd.cwd = "/no/such/dir";
  JobSpec big_mem = Spec(1, 10);
  big_mem.mem_bytes = 4ull << 30;
  const std::vector<Case> cases = {
      {Spec(1, 10, {}), "no command"},
      {Spec(1, 10, {"true"}), "absolute path"},
      {Spec(1, 10, {"/no/such/program"}), "no such file"},
      {Spec(1, 10, {"/etc/passwd"}), "not an executable"},
      {no_cwd, "not a directory"},
      {Spec(0, 10), "more than 0"},
      {Spec(3, 10), "at most 2"},
      {big_mem, "memory"},
      {Spec(1, 48 * 3600), "maximum"},
  };
  for (const auto& c : cases) {
    auto r = q->Submit(c.spec);
    ASSERT_FALSE(r.ok()) << c.says;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << c.says;
    EXPECT_NE(r.status().message().find(c.says), std::string::npos) << r.status().message();
  }
  EXPECT_TRUE(q->List(true).empty());
}

TEST_F(JobQueueTest, RunsWithinCapacityAndBackfillsAroundTheWaitingHead) {
  auto q = Make();
  const uint64_t a = Submit(*q, Spec(1, 100));
  q->Tick();
  EXPECT_EQ(StateOf(*q, a), JobState::kRunning);
  const uint64_t b = Submit(*q, Spec(2, 10));   // needs both CPUs: waits for a
  const uint64_t c = Submit(*q, Spec(1, 50));   // ends before a's limit: may pass b
  const uint64_t d = Submit(*q, Spec(1, 500));  // would delay b
  q->Tick();
  EXPECT_EQ(StateOf(*q, b), JobState::kQueued);
  EXPECT_NE(q->Get(b)->reason.find("next to run"), std::string::npos) << q->Get(b)->reason;
  EXPECT_EQ(StateOf(*q, c), JobState::kRunning);
  EXPECT_TRUE(q->Get(c)->backfilled);
  EXPECT_EQ(StateOf(*q, d), JobState::kQueued);
  EXPECT_EQ(q->stats().running, 2u);

  clock.Advance(30 * S);
  runner.Exit(a, 0);
  runner.Exit(c, 3);
  q->Tick();
  EXPECT_EQ(StateOf(*q, a), JobState::kDone);
  EXPECT_EQ(StateOf(*q, c), JobState::kFailed);
  EXPECT_EQ(q->Get(c)->exit_code, 3);
  EXPECT_EQ(StateOf(*q, b), JobState::kRunning);  // the head goes first once it fits
  EXPECT_FALSE(q->Get(b)->backfilled);
  EXPECT_EQ(StateOf(*q, d), JobState::kQueued);
  EXPECT_EQ(runner.cleaned, (std::vector<uint64_t>{a, c}));
}

TEST_F(JobQueueTest, FcfsDoesNotBackfill) {
  auto q = Make(nullptr, Options("fcfs"));
  const uint64_t a = Submit(*q, Spec(1, 100));
  q->Tick();
  const uint64_t b = Submit(*q, Spec(2, 10));
  const uint64_t c = Submit(*q, Spec(1, 5));
  q->Tick();
  EXPECT_EQ(StateOf(*q, a), JobState::kRunning);
  EXPECT_EQ(StateOf(*q, b), JobState::kQueued);
  EXPECT_EQ(StateOf(*q, c), JobState::kQueued);
}

TEST_F(JobQueueTest, AJobPastItsLimitGetsTermThenKill) {
  auto q = Make();
  const uint64_t a = Submit(*q, Spec(1, 10));
  q->Tick();
  clock.Advance(9 * S);
  q->Tick();
  EXPECT_TRUE(runner.signals.empty());
  clock.Advance(1 * S);
  q->Tick();
  ASSERT_EQ(runner.signals.size(), 1u);
  EXPECT_EQ(runner.signals[0], std::make_pair(a, SIGTERM));
  clock.Advance(5 * S);
  q->Tick();
  ASSERT_EQ(runner.signals.size(), 2u);
  EXPECT_EQ(runner.signals[1], std::make_pair(a, SIGKILL));
  runner.Exit(a, 128 + SIGKILL);
  q->Tick();
  const Job job = *q->Get(a);
  EXPECT_EQ(job.state, JobState::kKilled);
  EXPECT_NE(job.reason.find("limit"), std::string::npos) << job.reason;
}

TEST_F(JobQueueTest, OwnersAndRootCancelOthersCannot) {
  auto q = Make();
  const uint64_t a = Submit(*q, Spec(2, 100));
  const uint64_t b = Submit(*q, Spec(2, 100));
  q->Tick();
  auto refused = q->Cancel(a, 1001);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), StatusCode::kPermissionDenied);
  EXPECT_FALSE(q->Cancel(99, 0).ok());

  ASSERT_TRUE(q->Cancel(b, 1000).ok());  // queued: gone at once
  EXPECT_EQ(StateOf(*q, b), JobState::kCancelled);
  ASSERT_TRUE(q->Cancel(a, 0).ok());  // running: SIGTERM, final once it exits
  EXPECT_EQ(runner.signals.back(), std::make_pair(a, SIGTERM));
  EXPECT_EQ(StateOf(*q, a), JobState::kRunning);
  runner.Exit(a, 128 + SIGTERM);
  q->Tick();
  EXPECT_EQ(StateOf(*q, a), JobState::kCancelled);
  EXPECT_NE(q->Get(a)->reason.find("root"), std::string::npos);
  EXPECT_FALSE(q->Cancel(a, 0).ok());  // already over
}

TEST_F(JobQueueTest, QueueAndRunningJobsSurviveARestart) {
  uint64_t a, b;
  {
    auto q = Make();
    a = Submit(*q, Spec(2, 100));
    q->Tick();
    b = Submit(*q, Spec(1, 100));
    q->Tick();
  }  // the agent stops; job a goes on running
  auto q = Make();
  EXPECT_EQ(StateOf(*q, a), JobState::kRunning);
  EXPECT_EQ(q->Get(a)->pid, static_cast<int32_t>(1000 + a));
  EXPECT_EQ(StateOf(*q, b), JobState::kQueued);
  const uint64_t c = Submit(*q, Spec(1, 100));
  EXPECT_GT(c, b);  // ids are never reused
  clock.Advance(20 * S);
  runner.Exit(a, 0);
  q->Tick();
  EXPECT_EQ(StateOf(*q, a), JobState::kDone);
  EXPECT_EQ(q->Get(a)->end_ts - q->Get(a)->start_ts, 20 * S);
  EXPECT_EQ(StateOf(*q, b), JobState::kRunning);
  EXPECT_EQ(StateOf(*q, c), JobState::kRunning);
}

TEST_F(JobQueueTest, VanishedAndUnstartableJobsSayWhy) {
  auto q = Make();
  const uint64_t a = Submit(*q, Spec(1, 100));
  q->Tick();
  runner.live.erase(a);  // e.g. the host rebooted under it
  runner.fail_launch = true;
  const uint64_t b = Submit(*q, Spec(1, 100));
  q->Tick();
  EXPECT_EQ(StateOf(*q, a), JobState::kLost);
  EXPECT_EQ(StateOf(*q, b), JobState::kFailed);
  EXPECT_NE(q->Get(b)->reason.find("no such cgroup"), std::string::npos) << q->Get(b)->reason;
}

TEST_F(JobQueueTest, FinishedRunsTeachThePredictor) {
  RuntimeService predictor;
  auto q = Make(&predictor);
  for (int i = 0; i < 3; ++i) {
    const uint64_t id = Submit(*q, Spec(1, 100, {"/bin/true", "x"}));
    EXPECT_FALSE(q->Get(id)->prediction_source.empty());
    q->Tick();
    clock.Advance(7 * S);
    runner.Exit(id, 0);
    q->Tick();
  }
  EXPECT_EQ(predictor.stats().learned, 3u);
  // The same command again is predicted from those runs, not from its limit.
  const uint64_t next = Submit(*q, Spec(1, 100, {"/bin/true", "x"}));
  EXPECT_NEAR(static_cast<double>(q->Get(next)->predicted_ms), 7.0 * S, 1.0 * S);
}

TEST_F(JobQueueTest, AWaitingJobIsPredictedAgainWhenItsUsersRunFinishes) {
  RuntimeService predictor;
  auto q = Make(&predictor);
  // 2 CPUs: alice's first run of a new command and bob's job start; alice's 2-CPU job of the
  // same command waits, predicted at its limit (no history). When her first run ends after
  // 7 s, the waiting job (still waiting for bob's CPU) is predicted from that run.
  const uint64_t first = Submit(*q, Spec(1, 100, {"/bin/true", "batch"}));
  JobSpec bob = Spec(1, 100, {"/bin/true", "other"});
  bob.uid = 1001;
  bob.user = "bob";
  Submit(*q, bob);
  const uint64_t waiting = Submit(*q, Spec(2, 100, {"/bin/true", "batch"}));
  q->Tick();
  EXPECT_EQ(q->Get(waiting)->predicted_ms, 100 * S);
  clock.Advance(7 * S);
  runner.Exit(first, 0);
  q->Tick();
  ASSERT_EQ(StateOf(*q, waiting), JobState::kQueued);
  EXPECT_NEAR(static_cast<double>(q->Get(waiting)->predicted_ms), 7.0 * S, 1.0 * S);
  EXPECT_EQ(q->Get(waiting)->prediction_source, "history");

  // Not saved while it waits; after a restart the first decision makes it again.
  EXPECT_EQ(ledger.rows[waiting].predicted_ms, 100 * S);
  q.reset();
  auto again = Make(&predictor);
  EXPECT_EQ(again->Get(waiting)->predicted_ms, 100 * S);
  again->Tick();
  EXPECT_NEAR(static_cast<double>(again->Get(waiting)->predicted_ms), 7.0 * S, 1.0 * S);
}

}  // namespace
}  // namespace hostmind
