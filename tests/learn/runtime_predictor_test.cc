#include "learn/runtime_predictor.h"

#include <set>

#include <gtest/gtest.h>

#include <cmath>
#include <random>

namespace hostmind {
namespace {

RuntimePredictorOptions SmallOptions() {
  RuntimePredictorOptions o;
  o.min_train = 150;
  o.retrain_every = 200;
  o.gbdt.rounds = 40;
  o.gbdt.max_depth = 4;
  return o;
}

RunRequest Req(const std::string& user, const std::string& command, std::vector<std::string> args = {},
               TimeMs estimate_ms = 0) {
  RunRequest r;
  r.user = user;
  r.command = command;
  r.args = std::move(args);
  r.estimate_ms = estimate_ms;
  return r;
}

double Accuracy(TimeMs p, TimeMs a) {
  const double x = std::max<double>(p, 1000), y = std::max<double>(a, 1000);
  return std::min(x, y) / std::max(x, y);
}

TEST(RuntimePredictor, ColdStartFallsBackInOrder) {
  RuntimePredictor p(SmallOptions());
  auto prior = p.Predict(Req("alice", "/bin/x"), {});
  EXPECT_EQ(prior.source, PredictionSource::kPrior);
  EXPECT_EQ(prior.predicted_ms, 60 * kMsPerSecond);
  EXPECT_GE(prior.upper_ms, prior.predicted_ms);

  auto estimate = p.Predict(Req("alice", "/bin/x", {}, 300 * kMsPerSecond), {});
  EXPECT_EQ(estimate.source, PredictionSource::kEstimate);
  EXPECT_EQ(estimate.predicted_ms, 300 * kMsPerSecond);

  // Two runs of the command: the mean of the last two, from the most specific history.
  const RunRequest req = Req("alice", "/bin/x", {"-n", "3"});
  p.Learn(req, p.Predict(req, {}), 100 * kMsPerSecond, 1000);
  p.Learn(req, p.Predict(req, {}), 200 * kMsPerSecond, 2000);
  auto history = p.Predict(req, {});
  EXPECT_EQ(history.source, PredictionSource::kHistory);
  EXPECT_EQ(history.predicted_ms, 150 * kMsPerSecond);
  EXPECT_EQ(history.history.exact().count, 2u);
  EXPECT_EQ(history.history.deepest(), 2);
  // Another command of the same user falls back to the user's history.
  auto user = p.Predict(Req("alice", "/bin/y"), {});
  EXPECT_EQ(user.source, PredictionSource::kHistory);
  EXPECT_EQ(user.history.deepest(), 0);
  // And an unknown user, with no estimate, to the mean of everything seen.
  auto global = p.Predict(Req("bob", "/bin/z"), {});
  EXPECT_EQ(global.source, PredictionSource::kPrior);
  EXPECT_EQ(global.predicted_ms, 150 * kMsPerSecond);
}

TEST(RuntimePredictor, NeverPredictsBeyondTheEstimate) {
  RuntimePredictor p(SmallOptions());
  const RunRequest req = Req("alice", "/bin/x", {}, 50 * kMsPerSecond);
  p.Learn(req, p.Predict(req, {}), 500 * kMsPerSecond, 1000);
  auto out = p.Predict(req, {});
  EXPECT_EQ(out.predicted_ms, 50 * kMsPerSecond);
  EXPECT_EQ(out.upper_ms, 50 * kMsPerSecond);
}

// Users alternate a long build and a short test, whose run times also scale with an argument.
// The last two runs of the user mix the two, so the user-level baseline is poor; the model
// separates them by command and argument.
struct Workload {
  std::vector<RunRequest> requests;
  std::vector<TimeMs> runtimes;
};

Workload Synthetic(int n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::lognormal_distribution<double> noise(0, 0.15);
  Workload w;
  for (int i = 0; i < n; ++i) {
    const std::string user = "u" + std::to_string(i % 5);
    const bool build = (i / 5) % 2 == 0;
    const int size = 1 + static_cast<int>(rng() % 4);
    RunRequest r = Req(user, build ? "/usr/bin/make" : "/usr/bin/ctest", {"-j", std::to_string(size)});
    r.submit_ts = i * 10 * kMsPerSecond;
    const double base_s = build ? 600.0 * size : 20.0 * size;
    w.requests.push_back(r);
    w.runtimes.push_back(static_cast<TimeMs>(base_s * noise(rng) * 1000));
  }
  return w;
}

TEST(RuntimePredictor, HistoryRuleBeatsTheUsersLastTwoOnMixedCommands) {
  RuntimePredictor p(SmallOptions());
  Workload w = Synthetic(900, 7);
  double model_acc = 0, last2_acc = 0;
  int scored = 0;
  for (size_t i = 0; i < w.requests.size(); ++i) {
    auto pred = p.Predict(w.requests[i], {});
    if (i >= 600) {
      EXPECT_EQ(pred.source, PredictionSource::kModel);
      model_acc += Accuracy(pred.predicted_ms, w.runtimes[i]);
      last2_acc += Accuracy(static_cast<TimeMs>(pred.history.user().last2_mean_s() * 1000), w.runtimes[i]);
      ++scored;
    }
    p.Learn(w.requests[i], pred, w.runtimes[i], w.requests[i].submit_ts + w.runtimes[i]);
    ASSERT_TRUE(p.TrainIfDue().ok());
  }
  model_acc /= scored;
  last2_acc /= scored;
  EXPECT_GT(model_acc, 0.75);
  EXPECT_GT(model_acc, last2_acc + 0.2) << "model " << model_acc << " last-2 " << last2_acc;
  EXPECT_GE(p.trainings(), 3u);
}

// One command whose run time follows the memory it asks for, which no history key separates:
// the history rule averages unrelated runs, the model reads the request.
TEST(RuntimePredictor, ModelLearnsWhatNoHistoryKeySeparates) {
  RuntimePredictor p(SmallOptions());
  std::mt19937_64 rng(9);
  std::lognormal_distribution<double> noise(0, 0.1);
  double model_acc = 0, history_acc = 0;
  int scored = 0;
  for (int i = 0; i < 800; ++i) {
    RunRequest r = Req("u" + std::to_string(i % 3), "/opt/solver");
    const uint64_t gib = 1 + rng() % 16;
    r.mem_bytes = gib << 30;
    r.submit_ts = i * 60 * kMsPerSecond;
    const TimeMs runtime = static_cast<TimeMs>(gib * 100.0 * noise(rng) * 1000);
    auto pred = p.Predict(r, {});
    if (i >= 500) {
      EXPECT_EQ(pred.source, PredictionSource::kModel);
      model_acc += Accuracy(pred.predicted_ms, runtime);
      history_acc += Accuracy(static_cast<TimeMs>(std::exp(pred.baseline_log) * 1000), runtime);
      ++scored;
    }
    p.Learn(r, pred, runtime, r.submit_ts + runtime);
    ASSERT_TRUE(p.TrainIfDue().ok());
  }
  model_acc /= scored;
  history_acc /= scored;
  EXPECT_GT(model_acc, 0.7);
  EXPECT_GT(model_acc, history_acc + 0.2) << "model " << model_acc << " history " << history_acc;
}

TEST(RuntimePredictor, UpperBoundCoversAboutItsQuantile) {
  RuntimePredictor p(SmallOptions());
  Workload w = Synthetic(1400, 11);
  int covered = 0, scored = 0;
  for (size_t i = 0; i < w.requests.size(); ++i) {
    auto pred = p.Predict(w.requests[i], {});
    if (i >= 900) {
      covered += w.runtimes[i] <= pred.upper_ms;
      ++scored;
    }
    p.Learn(w.requests[i], pred, w.runtimes[i], w.requests[i].submit_ts + w.runtimes[i]);
    ASSERT_TRUE(p.TrainIfDue().ok());
  }
  const double coverage = static_cast<double>(covered) / scored;
  EXPECT_GT(coverage, 0.8);
  EXPECT_LT(coverage, 0.98);
}

TEST(RuntimePredictor, TrainingIsTakenOffTheHotPathAndInstalled) {
  RuntimePredictor p(SmallOptions());
  Workload w = Synthetic(400, 3);
  for (size_t i = 0; i < 149; ++i) p.Learn(w.requests[i], p.Predict(w.requests[i], {}), w.runtimes[i], i);
  EXPECT_FALSE(p.TakeTrainingJob().has_value());  // below min_train
  p.Learn(w.requests[149], p.Predict(w.requests[149], {}), w.runtimes[149], 149);
  auto job = p.TakeTrainingJob();
  ASSERT_TRUE(job.has_value());
  EXPECT_EQ(job->rows(), 150u);
  EXPECT_EQ(job->cols, RuntimePredictor::FeatureNames().size());
  EXPECT_FALSE(p.TakeTrainingJob().has_value());  // taken: not due again yet
  auto model = RuntimeModel::Train(*job, p.options().gbdt);
  ASSERT_TRUE(model.ok());
  EXPECT_EQ(p.Predict(w.requests[150], {}).source, PredictionSource::kHistory);
  p.Install(*model);
  EXPECT_EQ(p.Predict(w.requests[150], {}).source, PredictionSource::kModel);
}

TEST(RuntimePredictor, PredictAllMakesEachRequestsOwnPrediction) {
  RuntimePredictor p(SmallOptions());
  Workload w = Synthetic(400, 5);
  for (size_t i = 0; i < 300; ++i) p.Learn(w.requests[i], p.Predict(w.requests[i], {}), w.runtimes[i], i);
  ASSERT_TRUE(p.TrainIfDue().ok());
  const std::vector<RunRequest> asked(w.requests.begin() + 300, w.requests.begin() + 340);
  RunLoad load;
  load.queued_jobs = 7;
  const auto all = p.PredictAll(asked, load);
  ASSERT_EQ(all.size(), asked.size());
  std::set<TimeMs> distinct;
  for (size_t i = 0; i < asked.size(); ++i) {
    const RuntimePrediction one = p.Predict(asked[i], load);
    EXPECT_EQ(all[i].source, PredictionSource::kModel);
    EXPECT_EQ(all[i].predicted_ms, one.predicted_ms) << i;
    EXPECT_EQ(all[i].upper_ms, one.upper_ms) << i;
    distinct.insert(all[i].predicted_ms);
  }
  EXPECT_GT(distinct.size(), 5u);  // rows were not mixed up into one answer
  EXPECT_TRUE(p.PredictAll({}, load).empty());
}

TEST(RuntimePredictor, StateRoundTripsAsBytes) {
  RuntimePredictor p(SmallOptions());
  Workload w = Synthetic(400, 5);
  for (size_t i = 0; i < w.requests.size(); ++i) {
    p.Learn(w.requests[i], p.Predict(w.requests[i], {}), w.runtimes[i], i);
    ASSERT_TRUE(p.TrainIfDue().ok());
  }
  auto bytes = p.SaveState();
  ASSERT_TRUE(bytes.ok());
  RuntimePredictor q(SmallOptions());
  ASSERT_TRUE(q.LoadState(*bytes).ok());
  EXPECT_EQ(q.learned(), p.learned());
  for (int i = 0; i < 5; ++i) {
    auto a = p.Predict(w.requests[i], {}), b = q.Predict(w.requests[i], {});
    EXPECT_EQ(a.source, b.source);
    EXPECT_EQ(a.predicted_ms, b.predicted_ms);
    EXPECT_EQ(a.upper_ms, b.upper_ms);
  }
  // Truncated state is refused and leaves the predictor as it was.
  EXPECT_EQ(q.LoadState(bytes->substr(0, bytes->size() / 2)).code(), StatusCode::kCorrupt);
  EXPECT_EQ(q.learned(), p.learned());
  EXPECT_EQ(q.LoadState("junk").code(), StatusCode::kCorrupt);
}

TEST(RunHistory, KeepsTheNewestKeysWithinItsBudget) {
  RunHistory h(100);
  for (int i = 0; i < 1000; ++i) h.Add(Req("u" + std::to_string(i), "/bin/x"), 1000, i);
  EXPECT_LE(h.keys(HistoryLevel::kUser), 125u);
  EXPECT_EQ(h.Lookup(Req("u999", "/bin/x")).user().count, 1u);
  EXPECT_EQ(h.Lookup(Req("u0", "/bin/x")).user().count, 0u);
  EXPECT_EQ(h.global().count, 1000u);
}

}  // namespace
}  // namespace hostmind
