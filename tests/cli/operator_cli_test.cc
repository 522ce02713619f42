// The operator's CLI helpers: the progress line, and `hostmind explain` on the state a stopped
// agent left behind.
#include <gtest/gtest.h>

#include "cli/progress.h"
#include "store/store.h"
#include "test_util.h"

namespace hostmind {
namespace {

TEST(Progress, ShowsCountRateAndTimeLeft) {
  std::string line = cli::Progress::Render("smd", 250000, 1000000, "rows", 5.0, 10);
  EXPECT_EQ(line, "smd  [##--------]  25%  250.0k/1.00M rows  50.0k rows/s  ETA 0:15");
  EXPECT_EQ(cli::Progress::Render("train", 42, 0, "files", 90.0, 10), "train  42 files  0 files/s  1:30");
  EXPECT_EQ(cli::Progress::Render("x", 10, 10, "rows", 0.0, 4), "x  [####] 100%  10/10 rows  0 rows/s  ETA --:--");
  EXPECT_NE(cli::Progress::Render("x", 1, 10000000, "rows", 1.0, 4).find("ETA 2777:46:39"), std::string::npos);
}

TEST(Progress, IsSilentWithoutATerminal) {
  testing::TempDir dir;
  std::string path = dir.path() + "/err";
  FILE* f = std::fopen(path.c_str(), "w");
  {
    cli::Progress p("quiet", 10, "rows", f);
    for (int i = 0; i < 10; ++i) p.Add();
  }
  std::fclose(f);
  EXPECT_EQ(testing::ReadWholeFile(path), "");
}

TEST(ExplainCommand, ReadsTheStateWhenNoAgentRuns) {
  testing::TempDir dir;
  uint64_t id = 0;
  {
    auto store = *std::move(Store::Open(dir.path() + "/hostmind.db"));
    Finding f;
    f.ts = 1700000000000;
    f.kind = FindingKind::kLeak;
    f.severity = Severity::kWarning;
    f.subject = "pid 4242 (java)";
    f.summary = "java grows 12 MB/h; hits its 2 GiB limit in about 30 h";
    f.evidence = {{"hostmind_process_rss_bytes{pid=\"4242\"}", 0.8, "slope 12 MB/h, r2 0.97"}};
    f.facts = {{"limit_bytes", "2147483648"}};
    Store::Write w;
    w.findings.push_back(&f);
    ASSERT_TRUE(store->Commit(w).ok());
    id = f.id;
  }
  // Port 1: nobody listens, so the command falls back to the state directory.
  dir.Write("c.yaml", "agent:\n  state_dir: " + dir.path() + "\nhttp:\n  port: 1\n");
  std::string out;
  std::string cmd = std::string(HOSTMIND_BINARY) + " explain " + std::to_string(id) + " --config " + dir.path() + "/c.yaml";
  ASSERT_EQ(testing::RunCommand(cmd + " 2>&1", &out), 0) << out;
  EXPECT_NE(out.find("[warning] leak #" + std::to_string(id)), std::string::npos) << out;
  EXPECT_NE(out.find("java grows 12 MB/h"), std::string::npos) << out;
  EXPECT_NE(out.find("1. hostmind_process_rss_bytes{pid=\"4242\"} (0.80): slope 12 MB/h, r2 0.97"), std::string::npos) << out;
  EXPECT_NE(out.find("limit_bytes: 2147483648"), std::string::npos) << out;
  out.clear();
  ASSERT_EQ(testing::RunCommand(std::string(HOSTMIND_BINARY) + " explain finding " + std::to_string(id) + " --json --config " +
                                    dir.path() + "/c.yaml 2>&1", &out), 0) << out;
  EXPECT_NE(out.find("\"summary\": \"java grows 12 MB/h"), std::string::npos) << out;
  out.clear();
  EXPECT_EQ(testing::RunCommand(cmd.replace(cmd.find(" explain ") + 9, std::to_string(id).size(), "999") + " 2>&1", &out), 1) << out;
  EXPECT_NE(out.find("no finding 999"), std::string::npos) << out;
}

}  // namespace
}  // namespace hostmind
