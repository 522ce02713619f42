#include "eval/swf.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include <cstdlib>
#include <map>

#include "eval/swf_eval.h"
#include "test_util.h"

namespace hostmind {
namespace {

const char kTrace[] =
    "; Version: 2.2\n"
    "; MaxProcs: 64\n"
    "; UnixStartTime: 1000000\n"
    "; TimeZone: 3600\n"
    "; Note: a comment with: a colon\n"
    "1 0 5 100 8 -1 -1 8 200 -1 1 3 1 7 1 1 -1 -1\n"
    "\n"
    "2 10 -1 -1 4 -1 -1 4 50 -1 5 3 1 7 1 1 -1 -1\n"            // cancelled: run time unknown
    "3 20 0 300 -1 -1 -1 16 100 1024 1 4 2 -1 1 1 -1 -1\r\n"    // runs past its estimate
    "4 30 0 10 128 -1 -1 128 60 -1 1 4 2 -1 1 1 -1 -1\n"        // larger than the machine
    "5 40 0 0 2 -1 -1 2 -1 -1 1 5 2 -1 1 1 -1 -1\n";            // no estimate, zero run time

TEST(Swf, ParsesHeaderAndJobs) {
  auto t = ParseSwf(kTrace, "t.swf");
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_EQ(t->header.max_procs, 64);
  EXPECT_EQ(t->header.unix_start_time, 1000000);
  EXPECT_EQ(t->header.time_zone_s, 3600);
  ASSERT_EQ(t->jobs.size(), 5u);
  EXPECT_EQ(t->jobs[0].run_s, 100);
  EXPECT_EQ(t->jobs[0].req_time_s, 200);
  EXPECT_EQ(t->jobs[0].user, 3);
  EXPECT_EQ(t->jobs[0].line, 6);
  EXPECT_EQ(t->jobs[2].req_mem_kb, 1024);
}

TEST(Swf, BadLinesNameFileLineAndField) {
  auto bad = ParseSwf("; MaxProcs: 4\n1 0 5 1O0 8 -1 -1 8 200 -1 1 3 1 7 1 1 -1 -1\n", "x.swf");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(bad.status().message(), "x.swf:2: field 4 (run time): '1O0' is not a number");

  auto short_line = ParseSwf("1 0 5 100 8\n", "x.swf");
  EXPECT_EQ(short_line.status().message(), "x.swf:1: expected 18 fields, found 5");

  auto long_line = ParseSwf("1 0 5 100 8 -1 -1 8 200 -1 1 3 1 7 1 1 -1 -1 9\n", "x.swf");
  EXPECT_EQ(long_line.status().message(), "x.swf:1: more than 18 fields (extra: '9')");

  auto negative = ParseSwf("1 -5 5 100 8 -1 -1 8 200 -1 1 3 1 7 1 1 -1 -1\n", "x.swf");
  EXPECT_NE(negative.status().message().find("x.swf:1: field 2 (submit time)"), std::string::npos);
}

TEST(Swf, ReadsGzipAndPlainFiles) {
  testing::TempDir dir;
  const std::string plain = dir.Write("t.swf", kTrace);
  const std::string gz = dir.path() + "/t.swf.gz";
  gzFile f = gzopen(gz.c_str(), "wb");
  ASSERT_NE(f, nullptr);
  ASSERT_GT(gzwrite(f, kTrace, sizeof kTrace - 1), 0);
  gzclose(f);
  auto a = ReadSwf(plain);
  auto b = ReadSwf(gz);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->jobs.size(), b->jobs.size());
  EXPECT_EQ(a->jobs.back().submit_s, b->jobs.back().submit_s);
  auto missing = ReadSwf(dir.path() + "/nope.swf");
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
}

TEST(SwfWorkload, HostmindConventions) {
  auto w = BuildWorkload(*ParseSwf(kTrace, "t.swf"), SwfConventions::kHostmind);
  ASSERT_TRUE(w.ok());
  EXPECT_EQ(w->capacity.cpus, 64);
  EXPECT_EQ(w->dropped_unknown_runtime, 1u);
  EXPECT_EQ(w->dropped_too_large, 1u);
  ASSERT_EQ(w->jobs.size(), 3u);
  EXPECT_EQ(w->jobs[0].submit_ts, 1000000 * kMsPerSecond);
  EXPECT_EQ(w->jobs[1].need.cpus, 16);        // requested, as none were recorded allocated
  EXPECT_EQ(w->jobs[1].estimate_ms, 100 * kMsPerSecond);
  EXPECT_EQ(w->jobs[1].limit_ms, 300 * kMsPerSecond);  // raised to the run time
  EXPECT_EQ(w->raised_limits, 1u);
  EXPECT_EQ(w->jobs[1].request.mem_bytes, 1024u * 1024 * 16);
  EXPECT_EQ(w->jobs[2].estimate_ms, 0);       // none given: the machine's longest run is the limit
  EXPECT_EQ(w->jobs[2].limit_ms, 300 * kMsPerSecond);
  EXPECT_EQ(w->with_estimate, 2u);
  EXPECT_EQ(w->utc_offset_s, 3600);
}

TEST(SwfWorkload, RlSchedulerConventions) {
  auto w = BuildWorkload(*ParseSwf(kTrace, "t.swf"), SwfConventions::kRlScheduler);
  ASSERT_TRUE(w.ok());
  // Job 2's unknown run time becomes 10 s, job 5's zero run time drops it.
  ASSERT_EQ(w->jobs.size(), 3u);
  EXPECT_EQ(w->jobs[1].id, 2u);
  EXPECT_EQ(w->jobs[1].runtime_ms, 10 * kMsPerSecond);
}

// 600 jobs on 8 CPUs, one every `gap_s`, running 10 + (i * step) % span seconds, seven users,
// no estimates.
std::string GeneratedTrace(int gap_s, int step, int span) {
  std::string text = "; MaxProcs: 8\n";
  for (int i = 1; i <= 600; ++i)
    text += std::to_string(i) + " " + std::to_string(i * gap_s) + " -1 " + std::to_string(10 + (i * step) % span) +
            " " + std::to_string(1 + i % 8) + " -1 -1 -1 -1 -1 1 " + std::to_string(i % 7) + " -1 -1 1 -1 -1 -1\n";
  return text;
}

TEST(RlProtocol, SeededSequencesAreReproducible) {
  auto w = BuildWorkload(*ParseSwf(GeneratedTrace(30, 37, 400), "seq.swf"), SwfConventions::kRlScheduler);
  ASSERT_TRUE(w.ok());
  RlProtocolOptions o{3, 64, 42};
  const RuntimePredictorOptions predictor;
  auto a = RunRlProtocol(*w, {"fcfs", "easy", "easy-predicted"}, o, predictor);
  auto b = RunRlProtocol(*w, {"fcfs", "easy", "easy-predicted"}, o, predictor);
  ASSERT_TRUE(a.ok() && b.ok()) << a.status().ToString();
  ASSERT_EQ(a->size(), 3u);
  EXPECT_EQ((*a)[0].per_sequence.size(), 3u);
  for (size_t i = 0; i < 3; ++i) EXPECT_EQ((*a)[i].per_sequence, (*b)[i].per_sequence) << (*a)[i].policy;
  EXPECT_LE((*a)[1].mean_bsld, (*a)[0].mean_bsld);  // backfilling never hurts this one
  EXPECT_GE((*a)[2].mean_bsld, 1.0);
  o.length = 400;
  EXPECT_EQ(RunRlProtocol(*w, {"fcfs"}, o, predictor).status().code(), StatusCode::kInvalidArgument);
}

// RLScheduler's loader gives a job without an estimate its run time as the estimate (this trace
// has none), so told the exact run times, easy-predicted (FCFS, shortest backfill first) must
// schedule exactly as easy-sjbf does on those estimates.
TEST(RlProtocol, ExactPredictionsMakeEasyPredictedEasySjbfOnExactEstimates) {
  auto w = BuildWorkload(*ParseSwf(GeneratedTrace(20, 53, 700), "exact.swf"), SwfConventions::kRlScheduler);
  ASSERT_TRUE(w.ok());
  UseExactPredictions(*w);
  EXPECT_TRUE(w->exact_predictions);
  for (const SimJob& j : w->jobs) EXPECT_EQ(j.predicted_ms, std::max<TimeMs>(j.runtime_ms, 1));
  auto rows = RunRlProtocol(*w, {"easy-sjbf", "easy-predicted", "easy"}, RlProtocolOptions{4, 128, 7}, {});
  ASSERT_TRUE(rows.ok()) << rows.status().ToString();
  EXPECT_EQ((*rows)[0].per_sequence, (*rows)[1].per_sequence);
  EXPECT_GT((*rows)[2].mean_bsld, 1.0);
}

TEST(SwfWorkload, JitterMovesSubmissionsWithinTheBoundReproducibly) {
  auto recorded = BuildWorkload(*ParseSwf(GeneratedTrace(30, 37, 400), "jitter.swf"), SwfConventions::kHostmind);
  ASSERT_TRUE(recorded.ok());
  std::map<uint64_t, TimeMs> submitted;
  for (const auto& j : recorded->jobs) submitted[j.id] = j.submit_ts;
  auto jittered = [&](uint64_t seed) {
    SwfWorkload w = *recorded;
    JitterSubmissions(w, seed, 20 * kMsPerSecond);
    return w;
  };
  const SwfWorkload a = jittered(7), b = jittered(7), c = jittered(8);
  ASSERT_EQ(a.jobs.size(), recorded->jobs.size());
  size_t moved = 0;
  for (size_t i = 0; i < a.jobs.size(); ++i) {
    const SimJob& j = a.jobs[i];
    EXPECT_LE(std::abs(j.submit_ts - submitted.at(j.id)), 20 * kMsPerSecond);
    EXPECT_GE(j.submit_ts, recorded->jobs.front().submit_ts);
    EXPECT_EQ(j.request.submit_ts, j.submit_ts);
    if (i > 0) EXPECT_LE(a.jobs[i - 1].submit_ts, j.submit_ts);
    EXPECT_EQ(j.submit_ts, b.jobs[i].submit_ts);  // the same seed, the same replay
    moved += j.submit_ts != submitted.at(j.id);
  }
  EXPECT_GT(moved, a.jobs.size() / 2);
  bool differs = false;
  for (size_t i = 0; i < a.jobs.size(); ++i) differs |= a.jobs[i].submit_ts != c.jobs[i].submit_ts;
  EXPECT_TRUE(differs);
}

}  // namespace
}  // namespace hostmind
