#include "eval/nab_eval.h"

#include <gtest/gtest.h>

#include "eval/windowed_gaussian.h"
#include "test_util.h"

namespace hostmind {
namespace {

// A two-file NAB tree: 200 rows each at 5-minute steps, one window in the first file.
std::string WriteCorpus(const testing::TempDir& dir) {
  for (const char* name : {"a.csv", "b.csv"}) {
    std::string csv = "timestamp,value\n";
    for (int i = 0; i < 200; ++i) {
      char line[64];
      std::snprintf(line, sizeof line, "2015-01-01 %02d:%02d:00,%d\n", i * 5 / 60, i * 5 % 60, i % 7);
      csv += line;
    }
    dir.Write(std::string("data/cat/") + name, csv);
  }
  dir.Write("labels/combined_windows.json",
            R"({"cat/a.csv": [["2015-01-01 08:20:00.000000", "2015-01-01 09:05:00.000000"]], "cat/b.csv": []})");
  return dir.path();
}

TEST(NabEvalTest, LoadsTheCorpusAndItsWindows) {
  testing::TempDir dir;
  auto corpus = LoadNabCorpus(WriteCorpus(dir));
  ASSERT_TRUE(corpus.ok()) << corpus.status().ToString();
  ASSERT_EQ(corpus->files.size(), 2u);
  EXPECT_EQ(corpus->files[0].relative_path, "cat/a.csv");
  ASSERT_EQ(corpus->files[0].windows.size(), 1u);
  EXPECT_EQ(corpus->files[0].windows[0].first, 100u);  // 08:20 is row 100
  EXPECT_EQ(corpus->files[0].windows[0].last, 109u);
  EXPECT_EQ(corpus->window_count(), 1u);
}

TEST(NabEvalTest, AWindowEdgeThatIsNotARowIsAnError) {
  testing::TempDir dir;
  WriteCorpus(dir);
  dir.Write("labels/combined_windows.json",
            R"({"cat/a.csv": [["2015-01-01 08:21:00.000000", "2015-01-01 09:05:00.000000"]], "cat/b.csv": []})");
  auto corpus = LoadNabCorpus(dir.path());
  ASSERT_FALSE(corpus.ok());
  EXPECT_NE(corpus.status().message().find("not a row"), std::string::npos);
}

TEST(NabEvalTest, PerfectAndNullDetectorsScore100And0) {
  testing::TempDir dir;
  auto corpus = LoadNabCorpus(WriteCorpus(dir));
  ASSERT_TRUE(corpus.ok());
  NabScores perfect = {std::vector<double>(200, 0.0), std::vector<double>(200, 0.0)};
  perfect[0][100] = 1.0;  // the window's left edge
  const auto r = ScoreNab(*corpus, perfect, "perfect");
  for (const auto& p : r.profiles) EXPECT_NEAR(p.normalized, 100.0, 1e-9) << p.profile.name;
  NabScores null = {std::vector<double>(200, 0.5), std::vector<double>(200, 0.5)};
  for (const auto& p : ScoreNab(*corpus, null, "null").profiles) EXPECT_NEAR(p.normalized, 0.0, 1e-9);
}

TEST(NabEvalTest, ResultsRoundTripThroughNabsFileLayout) {
  testing::TempDir dir;
  auto corpus = LoadNabCorpus(WriteCorpus(dir));
  ASSERT_TRUE(corpus.ok());
  NabScores scores = {std::vector<double>(200, 0.25), std::vector<double>(200, 0.75)};
  ASSERT_TRUE(WriteNabResults(*corpus, scores, dir.path() + "/results", "mine").ok());
  auto loaded = LoadNabResults(*corpus, dir.path() + "/results/mine");
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  EXPECT_EQ(*loaded, scores);
}

TEST(NabEvalTest, FoldsPartitionTheFilesAndPoolToTheWhole) {
  testing::TempDir dir;
  auto corpus = LoadNabCorpus(WriteCorpus(dir));
  ASSERT_TRUE(corpus.ok());
  const NabCorpus a = NabFold(*corpus, 0, 2), b = NabFold(*corpus, 1, 2);
  ASSERT_EQ(a.files.size() + b.files.size(), 2u);
  std::vector<double> hit(200, 0.0);
  hit[105] = 1.0;
  NabScores whole = {hit, std::vector<double>(200, 0.0)};
  const std::vector<double> thresholds(3, 1.0);
  const auto pooled = PoolNab({ScoreNab(a, {hit}, "x", &thresholds), ScoreNab(b, {whole[1]}, "x", &thresholds)}, "x");
  const auto direct = ScoreNab(*corpus, whole, "x", &thresholds);
  for (size_t p = 0; p < pooled.profiles.size(); ++p) {
    EXPECT_NEAR(pooled.profiles[p].normalized, direct.profiles[p].normalized, 1e-9);
  }
}

TEST(WindowedGaussianTest, ScoresTheGaussianTailOfPriorValues) {
  WindowedGaussian g(kNabSourceWindowedGaussian);
  EXPECT_EQ(g.Score(1.0), 0.0);  // nothing learned yet
  g.Score(3.0);
  // Window {1, 3, 2}: mean 2, sd sqrt(2/3); 4 is z = 2.449 -> 1 - Q(2.449) = 0.99284.
  g.Score(2.0);
  EXPECT_NEAR(g.Score(4.0), 0.992847, 1e-6);
}

}  // namespace
}  // namespace hostmind
