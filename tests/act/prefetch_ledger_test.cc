// The hit and waste accounting: pages a job brought in are hits when a launch uses them within
// the window, waste when the window passes; pages already cached are not counted at all.
#include "act/prefetch_ledger.h"

#include <gtest/gtest.h>

namespace hostmind {
namespace {

PrefetchRead Read(uint64_t ino, PageRange pages) {
  PrefetchRead r;
  r.path = "/f" + std::to_string(ino);
  r.dev = 1;
  r.ino = ino;
  r.pages = pages;
  return r;
}

StartupTrace Use(uint64_t ino, std::vector<PageRange> pages) {
  StartupTrace t;
  FileTouch f;
  f.dev = 1;
  f.ino = ino;
  f.pages = std::move(pages);
  t.files.push_back(f);
  return t;
}

TEST(PrefetchLedgerTest, HitsAndWaste) {
  PrefetchLedger ledger(10000);
  JobRecord job;
  job.id = 7;
  job.ts = 1000;
  ledger.Planned(job, {Read(1, {0, 100}), Read(2, {0, 10})});
  // The cache held file 2 and half of file 1 already: only 50 pages were brought in.
  ledger.Brought({{1, 1, {50, 50}}}, 1001);
  ledger.Used(Use(1, {{0, 80}}));  // 30 of the brought pages used
  ledger.Used(Use(2, {{0, 10}}));  // nothing brought: no hit
  ledger.Expire(5000);
  auto jobs = ledger.Jobs();
  ASSERT_EQ(jobs.size(), 1u);
  EXPECT_EQ(jobs[0].pages_in, 50u);
  EXPECT_EQ(jobs[0].pages_hit, 30u);
  EXPECT_EQ(jobs[0].pages_wasted, 0u);
  EXPECT_FALSE(jobs[0].final);
  EXPECT_EQ(ledger.pending_pages(), 20u);
  ledger.Expire(11002);  // the window passed: the 20 unused pages are waste
  jobs = ledger.Jobs();
  EXPECT_EQ(jobs[0].pages_wasted, 20u);
  EXPECT_TRUE(jobs[0].final);
  EXPECT_EQ(ledger.totals().pages_in, 50u);
  EXPECT_EQ(ledger.totals().pages_hit + ledger.totals().pages_wasted, 50u);
  EXPECT_EQ(ledger.pending_pages(), 0u);
}

TEST(PrefetchLedgerTest, IssuedFilesAttributeReplacedFilesAndUnknownOnesAreCounted) {
  PrefetchLedger ledger(10000);
  JobRecord job;
  job.id = 1;
  ledger.Planned(job, {Read(1, {0, 10})});
  PrefetchResult r;
  r.id = 1;
  r.files = {{1, 99, "/f1"}};  // the file was replaced since the plan: a new inode
  ledger.Issued(r);
  ledger.Brought({{1, 99, {0, 10}}, {1, 5, {0, 3}}}, 10);
  EXPECT_EQ(ledger.Jobs()[0].pages_in, 10u);
  EXPECT_EQ(ledger.totals().pages_unattributed, 3u);
  ledger.Used(Use(99, {}));  // pages unknown (fanotify): the file was used
  EXPECT_EQ(ledger.Jobs()[0].pages_hit, 10u);
}

TEST(PrefetchLedgerTest, TwoJobsOnOneFileKeepTheirOwnPages) {
  PrefetchLedger ledger(1000);
  JobRecord a, b;
  a.id = 1;
  b.id = 2;
  ledger.Planned(a, {Read(1, {0, 10})});
  ledger.Brought({{1, 1, {0, 10}}}, 0);
  ledger.Planned(b, {Read(1, {0, 20})});
  ledger.Brought({{1, 1, {10, 10}}}, 10);
  ledger.Used(Use(1, {{0, 20}}));
  auto jobs = ledger.Jobs();
  EXPECT_EQ(jobs[0].id, 2u);
  EXPECT_EQ(jobs[0].pages_hit, 10u);
  EXPECT_EQ(jobs[1].pages_hit, 10u);
}

}  // namespace
}  // namespace hostmind
