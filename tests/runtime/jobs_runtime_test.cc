// The job queue for real: `hostmind jobs` submits real commands to a running agent, which runs
// them in their own cgroups with their output in files, backfills a short job around a waiting
// wide one, enforces the kill limit, and keeps the queue and the running job through a crash.
#include <unistd.h>

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "agent_process.h"

namespace hostmind {
namespace {

using namespace std::chrono_literals;
using testing::AgentProcess;
using testing::ReadWholeFile;
using testing::RunCommand;
using testing::TempDir;
using testing::WaitFor;

class JobsCli {
 public:
  explicit JobsCli(const TempDir& dir) : dir_(dir), config_(dir.path() + "/client.yaml") {}
  // The agent listens on a port of its choosing (port 0): the client's config names it.
  void Point(const AgentProcess& agent) { dir_.Write("client.yaml", "http:\n  port: " + std::to_string(agent.port()) + "\n"); }

  // Runs `hostmind jobs --json ARGS`; its exit status, with stdout and stderr in `out`.
  int Run(const std::string& args, std::string* out) const {
    return RunCommand(std::string(HOSTMIND_BINARY) + " jobs --config " + config_ + " --json " + args + " 2>&1", out);
  }
  // Submits and returns the job's id (0 on failure, with the output in the test's log).
  uint64_t Submit(const std::string& args) const {
    std::string out;
    const int rc = Run("submit " + args, &out);
    EXPECT_EQ(rc, 0) << out;
    auto j = nlohmann::json::parse(out, nullptr, false);
    return rc == 0 && !j.is_discarded() ? j["id"].get<uint64_t>() : 0;
  }
  nlohmann::json Show(uint64_t id) const {
    std::string out;
    Run("show " + std::to_string(id), &out);
    auto j = nlohmann::json::parse(out, nullptr, false);
    return j.is_discarded() ? nlohmann::json::object() : j;
  }
  std::string State(uint64_t id) const { return Show(id).value("state", std::string("?")); }
  // `jobs wait`: its exit status.
  int Wait(uint64_t id, const std::string& timeout) const {
    std::string out;
    return Run("wait " + std::to_string(id) + " --timeout " + timeout, &out);
  }

 private:
  const TempDir& dir_;
  std::string config_;
};

TEST(JobsRuntime, RunsBackfillsLimitsAndSurvivesACrash) {
  if (geteuid() != 0) GTEST_SKIP() << "the job queue runs jobs as their owners and in cgroups: needs root";
  TempDir dir;
  // Only jobs teach the predictor here, so the host's other processes cannot change whether c
  // backfills: with no history, each job is predicted by its limit.
  AgentProcess agent(dir, "jobs:\n  cpus: 2\n  kill_grace: 1s\npredict:\n  learn_processes: false\n");
  ASSERT_TRUE(agent.Start()) << agent.Log();
  JobsCli jobs(dir);
  jobs.Point(agent);

  // Bad submissions are refused with what to change.
  std::string out;
  EXPECT_EQ(jobs.Run("submit --cpus 3 -- /bin/true", &out), 2);
  EXPECT_NE(out.find("at most 2"), std::string::npos) << out;
  EXPECT_NE(jobs.Run("submit -- no-such-command-hostmind", &out), 0);
  EXPECT_NE(out.find("not found"), std::string::npos) << out;
  EXPECT_NE(jobs.Run("submit --time soon -- /bin/true", &out), 0);
  EXPECT_NE(out.find("--time"), std::string::npos) << out;

  // a holds one CPU for 15 s (long enough for c to finish on a loaded machine); b needs both
  // and waits; c is short and backfills around b.
  const uint64_t a = jobs.Submit("--cpus 1 --time 60s -- /bin/sh -c 'echo started; sleep 15; echo finished'");
  ASSERT_TRUE(WaitFor([&] { return jobs.State(a) == "running"; }, 10s)) << jobs.Show(a).dump() << agent.Log();
  const uint64_t b = jobs.Submit("--cpus 2 --time 30s -- /bin/sleep 1");
  const uint64_t c = jobs.Submit("--cpus 1 --time 5s -- /bin/echo hello");
  EXPECT_EQ(jobs.Wait(c, "20s"), 0);
  const auto shown_c = jobs.Show(c);
  EXPECT_EQ(shown_c["state"], "done");
  EXPECT_TRUE(shown_c["backfilled"].get<bool>()) << shown_c.dump();
  EXPECT_EQ(ReadWholeFile(shown_c["stdout"].get<std::string>()), "hello\n");
  EXPECT_EQ(jobs.State(b), "queued");

  // a runs in its own cgroup when the host has one to give.
  auto listing = agent.Get("/api/v1/jobs");
  ASSERT_TRUE(listing.ok());
  const std::string confinement = nlohmann::json::parse(listing->body)["queue"]["confinement"];
  if (confinement.find("cpu: v") != std::string::npos) {
    const auto pid = jobs.Show(a)["pid"].get<int>();
    EXPECT_NE(ReadWholeFile("/proc/" + std::to_string(pid) + "/cgroup").find("/job-" + std::to_string(a)),
              std::string::npos);
  }

  // The agent crashes; a goes on running, b stays queued, and the next agent finishes both.
  ASSERT_TRUE(agent.Signal(SIGKILL, 5s).has_value());
  ASSERT_TRUE(agent.Start()) << agent.Log();
  jobs.Point(agent);
  EXPECT_EQ(jobs.State(a), "running");
  EXPECT_EQ(jobs.State(b), "queued");
  EXPECT_EQ(jobs.Wait(a, "30s"), 0);
  EXPECT_EQ(ReadWholeFile(jobs.Show(a)["stdout"].get<std::string>()), "started\nfinished\n");
  EXPECT_EQ(jobs.Wait(b, "30s"), 0);
  EXPECT_EQ(jobs.State(b), "done");

  // The user's limit is the kill limit; a cancelled job stops.
  const uint64_t d = jobs.Submit("--time 2s -- /bin/sleep 30");
  const uint64_t e = jobs.Submit("--time 60s -- /bin/sleep 30");
  ASSERT_TRUE(WaitFor([&] { return jobs.State(e) == "running"; }, 10s));
  EXPECT_EQ(jobs.Run("cancel " + std::to_string(e), &out), 0) << out;
  EXPECT_NE(jobs.Wait(d, "20s"), 0);
  EXPECT_EQ(jobs.State(d), "killed");
  EXPECT_NE(jobs.Wait(e, "20s"), 0);
  EXPECT_EQ(jobs.State(e), "cancelled");

  // The finished jobs taught the predictor.
  EXPECT_EQ(RunCommand(std::string(HOSTMIND_BINARY) + " predict --config " + dir.path() +
                           "/client.yaml -- /bin/sleep 1 2>&1",
                       &out),
            0)
      << out;
  EXPECT_NE(out.find("predicted run time"), std::string::npos) << out;
  EXPECT_EQ(agent.Signal(SIGTERM, 20s), 0) << agent.Log();
}

}  // namespace
}  // namespace hostmind
