#include "eval/sched_sim.h"

#include <gtest/gtest.h>

#include "eval/swf_eval.h"

namespace hostmind {
namespace {

constexpr TimeMs S = kMsPerSecond;

SimJob Job(uint64_t id, TimeMs submit_s, double cpus, TimeMs run_s, TimeMs limit_s, TimeMs predicted_s = 0) {
  SimJob j;
  j.id = id;
  j.submit_ts = submit_s * S;
  j.need.cpus = cpus;
  j.runtime_ms = run_s * S;
  j.estimate_ms = j.limit_ms = limit_s * S;
  j.predicted_ms = j.upper_ms = predicted_s * S;
  j.request.user = "u" + std::to_string(id);
  j.request.estimate_ms = j.estimate_ms;
  return j;
}

// A 4-CPU machine, worked by hand:
//   A t=0 2 CPUs runs 100 (limit 100)      B t=1 4 CPUs runs 10 (limit 10)
//   C t=2 2 CPUs runs 50 (limit 60)        D t=3 2 CPUs runs 30 (limit 200, predicted 30)
//   E t=4 2 CPUs runs 5 (limit 5)
std::vector<SimJob> HandTrace() {
  return {Job(1, 0, 2, 100, 100, 100), Job(2, 1, 4, 10, 10, 10), Job(3, 2, 2, 50, 60, 50),
          Job(4, 3, 2, 30, 200, 30), Job(5, 4, 2, 5, 5, 5)};
}

std::vector<TimeMs> Starts(const std::string& policy, const std::vector<SimJob>& jobs) {
  SimOptions o;
  o.policy = *PolicyByName(policy);
  o.capacity.cpus = 4;
  o.default_limit_ms = 1000 * S;
  o.predict = false;
  auto r = Simulate(jobs, o);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  std::vector<TimeMs> starts;
  for (const auto& j : r->jobs) starts.push_back(j.start_ts / S);
  return starts;
}

TEST(Simulate, Fcfs) {
  // B waits for A (100); C and D follow B (110); E waits for D to end (140).
  EXPECT_EQ(Starts("fcfs", HandTrace()), (std::vector<TimeMs>{0, 100, 110, 110, 140}));
}

TEST(Simulate, Sjf) {
  // At 4, E (5 s) is the shortest and fits beside A; B, the next shortest, then waits for A.
  EXPECT_EQ(Starts("sjf", HandTrace()), (std::vector<TimeMs>{0, 100, 110, 110, 4}));
}

TEST(Simulate, Easy) {
  // C backfills at 2 (ends 52 < 100); at 52 E backfills (57 < 100) but D (limit 200) cannot.
  EXPECT_EQ(Starts("easy", HandTrace()), (std::vector<TimeMs>{0, 100, 2, 110, 52}));
}

TEST(Simulate, EasyPredicted) {
  // D is predicted to take 30 s: after E (52..57) it backfills at 57 and ends at 87 < 100.
  EXPECT_EQ(Starts("easy-predicted", HandTrace()), (std::vector<TimeMs>{0, 100, 2, 57, 52}));
}

TEST(Simulate, CorrectsAnUnderPredictionWhileTheJobRuns) {
  // Job 1 is predicted to run 10 s but runs 100; a 4-CPU job waits behind it. The simulator
  // reviews the schedule when the prediction expires, and the head still starts at 100.
  std::vector<SimJob> jobs = {Job(1, 0, 2, 100, 200, 10), Job(2, 1, 4, 10, 10, 10), Job(3, 2, 2, 20, 40, 20)};
  // Job 1's expected end moves 10 -> 20 (at 10) -> 40 (at 20); only then does job 3 (20 s)
  // end before the head's reservation, and backfills at 20.
  auto starts = Starts("easy-predicted", jobs);
  EXPECT_EQ(starts[1], 100);
  EXPECT_EQ(starts[2], 20);
}

// easy-predicted on 4 CPUs, with the online predictor.
Result<SimResult> SimulateWithPredictor(const std::vector<SimJob>& jobs) {
  SimOptions o;
  o.policy = *PolicyByName("easy-predicted");
  o.capacity.cpus = 4;
  o.default_limit_ms = 1000 * S;
  return Simulate(jobs, o);
}

TEST(Simulate, PredictsOnlineWithoutPeekingAhead) {
  // The same user submits twice; the second arrives before the first ends, so nothing about
  // the first run may inform the second's prediction.
  std::vector<SimJob> jobs = {Job(1, 0, 1, 500, 1000), Job(2, 10, 1, 500, 1000), Job(3, 600, 1, 500, 1000)};
  for (auto& j : jobs) j.request.user = "same";
  auto r = SimulateWithPredictor(jobs);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->jobs[1].last2_ms, 1000 * S);  // no history yet: the estimate
  EXPECT_EQ(r->jobs[1].source, PredictionSource::kEstimate);
  EXPECT_EQ(r->jobs[2].last2_ms, 500 * S);   // both earlier runs ended (500, 510) by t=600
  EXPECT_EQ(r->jobs[2].source, PredictionSource::kHistory);
}

TEST(Simulate, AWaitingJobIsPredictedAgainWhenItsUsersRunFinishes) {
  // 4 CPUs. Job 1 (2 CPUs, limit 100) and job 2 (2 CPUs, 10 s of a 1000 s limit) start at 0;
  // job 3 (4 CPUs) waits for both; job 4, job 2's user again (2 CPUs, 10 s), arrives at 2 with
  // no history, so it is predicted at its limit. At 10 job 2 ends: the head's reservation is
  // job 1's end, 100. Predicted again from job 2's run (10 s), job 4 ends before it and
  // backfills at 10; judged by its prediction at submission (1000 s), it would wait until 110.
  std::vector<SimJob> jobs = {Job(1, 0, 2, 100, 100), Job(2, 0, 2, 10, 1000), Job(3, 1, 4, 10, 1000),
                              Job(4, 2, 2, 10, 1000)};
  jobs[1].request.user = jobs[3].request.user = "same";
  auto r = SimulateWithPredictor(jobs);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->jobs[3].predicted_ms, 1000 * S);  // at submission: the limit (no history)
  EXPECT_EQ(r->refreshed_predictions, 1u);
  EXPECT_EQ(r->jobs[3].start_predicted_ms, 10 * S);  // from job 2's run
  EXPECT_EQ(r->jobs[3].start_ts, 10 * S);
  EXPECT_TRUE(r->jobs[3].backfilled);
  EXPECT_EQ(r->jobs[2].start_ts, 100 * S);  // the head is not delayed
}

TEST(Simulate, StartsFromALearntPredictorState) {
  // A predictor that has seen user "same" run for 40 s predicts her first job here from that
  // history, not from her limit; the state is captured just before a job's submission.
  std::vector<SimJob> history = {Job(1, 0, 1, 40, 1000), Job(2, 100, 1, 10, 1000)};
  history[0].request.user = "same";
  std::string state;
  SimOptions o;
  o.policy = *PolicyByName("easy-predicted");
  o.capacity.cpus = 4;
  o.default_limit_ms = 1000 * S;
  o.before_submit = [&](size_t index, const RuntimePredictor& p) {
    if (index == 1) state = *p.SaveState();
  };
  ASSERT_TRUE(Simulate(history, o).ok());
  ASSERT_FALSE(state.empty());

  std::vector<SimJob> later = {Job(3, 0, 1, 40, 1000)};
  later[0].request.user = "same";
  o.before_submit = nullptr;
  auto fresh = Simulate(later, o);
  o.predictor_state = state;
  auto learnt = Simulate(later, o);
  ASSERT_TRUE(fresh.ok() && learnt.ok());
  EXPECT_EQ(fresh->jobs[0].source, PredictionSource::kEstimate);
  EXPECT_EQ(learnt->jobs[0].source, PredictionSource::kHistory);
  EXPECT_EQ(learnt->jobs[0].predicted_ms, 40 * S);
  o.predictor_state = "not a state";
  EXPECT_FALSE(Simulate(later, o).ok());
}

TEST(Simulate, RefusesAJobLargerThanTheMachine) {
  std::vector<SimJob> jobs = {Job(1, 0, 8, 10, 10)};
  SimOptions o;
  o.policy = *PolicyByName("fcfs");
  o.capacity.cpus = 4;
  EXPECT_EQ(Simulate(jobs, o).status().code(), StatusCode::kInvalidArgument);
}

TEST(ScoreSchedule, BoundedSlowdownWaitAndUtilisation) {
  SimResult r;
  JobOutcome a;  // waits 10 s for a 5 s run: bounded by 10 s -> (10 + 5) / 10
  a.submit_ts = 0;
  a.start_ts = 10 * S;
  a.end_ts = 15 * S;
  a.runtime_ms = 5 * S;
  a.cpus = 2;
  JobOutcome b;  // no wait: slowdown 1
  b.submit_ts = 0;
  b.start_ts = 0;
  b.end_ts = 20 * S;
  b.runtime_ms = 20 * S;
  b.cpus = 2;
  r.jobs = {a, b};
  auto m = ScoreSchedule(r, Resources{4, 0});
  EXPECT_DOUBLE_EQ(m.avg_bounded_slowdown, (1.5 + 1.0) / 2);
  EXPECT_DOUBLE_EQ(m.mean_wait_s, 5);
  EXPECT_DOUBLE_EQ(m.max_wait_s, 10);
  EXPECT_DOUBLE_EQ(m.utilisation, (5.0 * 2 + 20.0 * 2) / (4 * 20.0));
}

TEST(ScorePredictions, AccuracyAndErrorPerPredictor) {
  SimResult r;
  JobOutcome j;
  j.runtime_ms = 100 * S;
  j.estimate_ms = 400 * S;
  j.last2_ms = 50 * S;
  j.predicted_ms = 80 * S;
  j.upper_ms = 120 * S;
  j.start_predicted_ms = 125 * S;  // predicted again while it waited
  r.jobs = {j};
  auto q = ScorePredictions(r);
  ASSERT_EQ(q.size(), 5u);
  EXPECT_DOUBLE_EQ(q[0].accuracy, 0.25);
  EXPECT_DOUBLE_EQ(q[0].mae_s, 300);
  EXPECT_DOUBLE_EQ(q[1].accuracy, 0.5);
  EXPECT_DOUBLE_EQ(q[2].accuracy, 0.8);
  EXPECT_DOUBLE_EQ(q[2].under_fraction, 1);
  EXPECT_DOUBLE_EQ(q[2].upper_coverage, 1);
  EXPECT_EQ(q[4].predictor, "gbdt-at-start");
  EXPECT_DOUBLE_EQ(q[4].accuracy, 0.8);
  EXPECT_DOUBLE_EQ(q[4].under_fraction, 0);
}

}  // namespace
}  // namespace hostmind
