#include "act/scheduler.h"

#include <gtest/gtest.h>

namespace hostmind {
namespace {

constexpr TimeMs S = kMsPerSecond;

SchedJob Job(uint64_t id, TimeMs submit_s, double cpus, TimeMs limit_s, TimeMs predicted_s = 0, TimeMs upper_s = 0) {
  SchedJob j;
  j.id = id;
  j.submit_ts = submit_s * S;
  j.need.cpus = cpus;
  j.limit_ms = limit_s * S;
  j.predicted_ms = predicted_s * S;
  j.upper_ms = upper_s * S;
  return j;
}

SchedJob Running(SchedJob j, TimeMs start_s) {
  j.start_ts = start_s * S;
  return j;
}

Scheduler Make(const std::string& policy, double cpus = 4) {
  return Scheduler(*PolicyByName(policy), Resources{cpus, 0}, 3600 * S);
}

TEST(SchedulingPolicy, NamesResolveAndUnknownIsAnError) {
  for (const auto& name : PolicyNames()) EXPECT_TRUE(PolicyByName(name).ok()) << name;
  auto bad = PolicyByName("lottery");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("easy-predicted"), std::string::npos);
}

// 4 CPUs; job 1 runs on 2 until t=100; job 2 (4 CPUs) waits; job 3 (2 CPUs, 60 s) arrived later.
TEST(Scheduler, FcfsNeverPassesTheHead) {
  std::vector<SchedJob> running = {Running(Job(1, 0, 2, 100), 0)};
  std::vector<SchedJob> queue = {Job(2, 1, 4, 10), Job(3, 2, 2, 60)};
  auto d = Make("fcfs").Decide(2 * S, queue, running);
  EXPECT_TRUE(d.start.empty());
}

TEST(Scheduler, EasyBackfillsAJobThatEndsBeforeTheReservation) {
  std::vector<SchedJob> running = {Running(Job(1, 0, 2, 100), 0)};
  std::vector<SchedJob> queue = {Job(2, 1, 4, 10), Job(3, 2, 2, 60)};
  auto d = Make("easy").Decide(2 * S, queue, running);
  EXPECT_EQ(d.start, std::vector<uint64_t>{3});
  EXPECT_EQ(d.backfilled, 1u);
  EXPECT_EQ(d.reserved_job, 2u);
  EXPECT_EQ(d.reservation_ts, 100 * S);
}

TEST(Scheduler, EasyRefusesABackfillThatWouldDelayTheHead) {
  std::vector<SchedJob> running = {Running(Job(1, 0, 2, 100), 0)};
  std::vector<SchedJob> queue = {Job(2, 1, 4, 10), Job(3, 2, 2, 200)};
  auto d = Make("easy").Decide(2 * S, queue, running);
  EXPECT_TRUE(d.start.empty());
}

TEST(Scheduler, EasyBackfillsIntoCpusTheHeadWillNotNeed) {
  // 8 CPUs: job 1 holds 6 until 100; the head needs 4, so at 100 it leaves 4 spare.
  std::vector<SchedJob> running = {Running(Job(1, 0, 6, 100), 0)};
  std::vector<SchedJob> queue = {Job(2, 1, 4, 10), Job(3, 2, 2, 500), Job(4, 3, 2, 500)};
  auto d = Make("easy", 8).Decide(3 * S, queue, running);
  // Job 3 runs past the reservation on 2 of the 4 spare CPUs; job 4 does not fit now.
  EXPECT_EQ(d.start, std::vector<uint64_t>{3});
}

TEST(Scheduler, SjfStartsTheShortestEstimateFirst) {
  std::vector<SchedJob> queue = {Job(1, 0, 4, 100), Job(2, 1, 4, 10), Job(3, 2, 4, 50)};
  auto d = Make("sjf").Decide(3 * S, queue, {});
  EXPECT_EQ(d.start, std::vector<uint64_t>{2});
  auto f = Make("fcfs").Decide(3 * S, queue, {});
  EXPECT_EQ(f.start, std::vector<uint64_t>{1});
}

TEST(Scheduler, SjfPredictedOrdersTheQueueByPrediction) {
  // Job 3 asks for 500 s but is predicted to run 10 s: sjf-easy starts the shortest limit (2),
  // sjf-predicted the shortest prediction (3); with no prediction a job is ranked by its limit.
  std::vector<SchedJob> queue = {Job(1, 0, 4, 100, 90, 95), Job(2, 1, 4, 50), Job(3, 2, 4, 500, 10, 20)};
  EXPECT_EQ(Make("sjf-easy").Decide(3 * S, queue, {}).start, std::vector<uint64_t>{2});
  EXPECT_EQ(Make("sjf-predicted").Decide(3 * S, queue, {}).start, std::vector<uint64_t>{3});
  queue.pop_back();
  EXPECT_EQ(Make("sjf-predicted").Decide(3 * S, queue, {}).start, std::vector<uint64_t>{2});
}

TEST(Scheduler, HrrnPredictedPutsAJobThatWaitedLongBeforeAShortFreshOne) {
  // At 950 s, job 1 (predicted 1000 s, waiting since 0) has the ratio (950 + 1000) / 1000 =
  // 1.95 and job 2 (predicted 100 s, waiting since 900) (50 + 100) / 100 = 1.5: job 1 goes
  // first, where sjf-predicted would pass it again.
  std::vector<SchedJob> queue = {Job(1, 0, 4, 3000, 1000, 1500), Job(2, 900, 4, 3000, 100, 150)};
  EXPECT_EQ(Make("hrrn-predicted").Decide(950 * S, queue, {}).start, std::vector<uint64_t>{1});
  EXPECT_EQ(Make("sjf-predicted").Decide(950 * S, queue, {}).start, std::vector<uint64_t>{2});
  // Submitted together, the shorter goes first: 1.1 against 1.01 after 10 s.
  queue[1].submit_ts = 0;
  EXPECT_EQ(Make("hrrn-predicted").Decide(10 * S, queue, {}).start, std::vector<uint64_t>{2});
  // A 1 s prediction counts as the 10 s bound: after 10 s its ratio is 2, not 11, and the job
  // predicted 20 s that has waited 30 s (2.5) goes first.
  std::vector<SchedJob> bounded = {Job(1, 0, 4, 3000, 20, 30), Job(2, 20, 4, 3000, 1, 2)};
  EXPECT_EQ(Make("hrrn-predicted").Decide(30 * S, bounded, {}).start, std::vector<uint64_t>{1});
}

TEST(Scheduler, EasySjbfTriesTheShortestCandidateFirst) {
  // Two candidates fit the 2 free CPUs before the reservation; only one can have them.
  std::vector<SchedJob> running = {Running(Job(1, 0, 2, 100), 0)};
  std::vector<SchedJob> queue = {Job(2, 1, 4, 10), Job(3, 2, 2, 60), Job(4, 3, 2, 5)};
  EXPECT_EQ(Make("easy").Decide(3 * S, queue, running).start, std::vector<uint64_t>{3});
  EXPECT_EQ(Make("easy-sjbf").Decide(3 * S, queue, running).start, std::vector<uint64_t>{4});
}

TEST(Scheduler, PredictionsDecideBackfillButTheLimitStaysTheKillLimit) {
  // Job 3 asks for 500 s but is predicted to run 30 s: EASY with estimates cannot backfill it,
  // EASY with predictions can.
  std::vector<SchedJob> running = {Running(Job(1, 0, 2, 100, 100, 100), 0)};
  std::vector<SchedJob> queue = {Job(2, 1, 4, 10, 10, 10), Job(3, 2, 2, 500, 30, 60)};
  EXPECT_TRUE(Make("easy").Decide(3 * S, queue, running).start.empty());
  auto s = Make("easy-predicted");
  EXPECT_EQ(s.Decide(3 * S, queue, running).start, std::vector<uint64_t>{3});
  EXPECT_EQ(s.PlannedRuntime(queue[1]), 30 * S);
  EXPECT_EQ(s.KillLimit(queue[1]), 500 * S);
}

TEST(Scheduler, ReservationPlansRunningJobsWithTheirUpperBound) {
  // Running job 1 is predicted to end at 40 but may run to 80 (its upper bound): the head's
  // reservation is at 80, so a candidate predicted to run 60 s (ending at 62) backfills; it
  // would not ending at 92.
  std::vector<SchedJob> running = {Running(Job(1, 0, 2, 100, 40, 80), 0)};
  std::vector<SchedJob> queue = {Job(2, 1, 4, 10, 10, 10), Job(3, 2, 2, 500, 60, 90)};
  auto d = Make("easy-predicted").Decide(2 * S, queue, running);
  EXPECT_EQ(d.reservation_ts, 80 * S);
  EXPECT_EQ(d.start, std::vector<uint64_t>{3});
  queue[1].predicted_ms = 90 * S;
  EXPECT_TRUE(Make("easy-predicted").Decide(2 * S, queue, running).start.empty());
}

TEST(Scheduler, UnderPredictionsAreCorrectedAsAJobOverruns) {
  auto s = Make("easy-predicted");
  SchedJob j = Running(Job(1, 0, 1, 1000, 100, 300), 0);
  EXPECT_EQ(s.ExpectedEnd(j, 50 * S), 300 * S);     // planned on the upper bound
  EXPECT_EQ(s.ExpectedEnd(j, 300 * S), 600 * S);    // outlived it: twice the elapsed time
  EXPECT_EQ(s.ExpectedEnd(j, 450 * S), 900 * S);
  EXPECT_EQ(s.ExpectedEnd(j, 700 * S), 1000 * S);   // never past the kill limit
  // With user estimates the kill limit is the plan.
  EXPECT_EQ(Make("easy").ExpectedEnd(j, 50 * S), 1000 * S);
}

TEST(Scheduler, ReviewsWhenARunningPredictionCanExpire) {
  std::vector<SchedJob> running = {Running(Job(1, 0, 2, 1000, 100, 300), 0)};
  EXPECT_EQ(Make("easy-predicted").Decide(10 * S, {}, running).next_review, 300 * S);
  EXPECT_EQ(Make("easy").Decide(10 * S, {}, running).next_review, kNever);
}

TEST(Scheduler, AJobLargerThanTheMachineDoesNotBlockTheQueue) {
  std::vector<SchedJob> queue = {Job(1, 0, 16, 10), Job(2, 1, 2, 10)};
  EXPECT_EQ(Make("fcfs").Decide(1 * S, queue, {}).start, std::vector<uint64_t>{2});
}

TEST(Scheduler, MemoryIsScheduledLikeCpus) {
  Scheduler s(*PolicyByName("easy"), Resources{8, 1000}, 3600 * S);
  SchedJob a = Job(1, 0, 1, 10), b = Job(2, 1, 1, 10);
  a.need.mem_bytes = 600;
  b.need.mem_bytes = 600;
  std::vector<SchedJob> queue = {a, b};
  EXPECT_EQ(s.Decide(1 * S, queue, {}).start, std::vector<uint64_t>{1});
}

}  // namespace
}  // namespace hostmind
