#include "store/store.h"

#include <gtest/gtest.h>

#include "store/json_codec.h"
#include "store/series_table.h"
#include "store/store_sink.h"
#include "test_util.h"

namespace hostmind {
namespace {

Finding MakeFinding(TimeMs ts, Severity sev, const std::string& summary) {
  Finding f;
  f.ts = ts;
  f.kind = FindingKind::kForecast;
  f.severity = sev;
  f.subject = "/var";
  f.summary = summary;
  f.score = 0.9;
  f.evidence.push_back({"hostmind_filesystem_avail_bytes{mountpoint=\"/var\"}", 1.0, "slope -1.2 GB/h"});
  f.facts.emplace_back("eta_hours", "9");
  return f;
}

TEST(Store, CommitAssignsIdsAndEverythingRoundTrips) {
  testing::TempDir dir;
  std::string path = dir.path() + "/hostmind.db";
  uint64_t id = 0;
  {
    auto store = Store::Open(path);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    Event e{1000, LogRecord{LogSource::kKernel, "kernel", 3, 0, "Out of memory: Killed process 42 (java)"}};
    Finding warn = MakeFinding(2000, Severity::kWarning, "/var will be full in about 9 h");
    Finding info = MakeFinding(2500, Severity::kInfo, "informational");
    Store::Write w;
    w.events = {&e};
    w.findings = {&warn, &info};
    w.state = {{"journal.cursor", "s=1"}};
    w.rollups = {Rollup{"m{a=\"b\"}", 60000, 1, 3, 6, 3, 3}};
    ASSERT_TRUE((*store)->Commit(w).ok());
    EXPECT_GT(warn.id, 0u);
    EXPECT_EQ(info.id, warn.id + 1);
    id = warn.id;
    ASSERT_TRUE((*store)->PutModel("miner", std::string("\0\1\2", 3), 5).ok());
  }
  // A second process opening the same file sees everything committed.
  auto store = Store::Open(path);
  ASSERT_TRUE(store.ok());
  auto events = (*store)->QueryEvents({0, "log", 10});
  ASSERT_TRUE(events.ok());
  ASSERT_EQ(events->size(), 1u);
  EXPECT_NE((*events)[0].json.find("Killed process 42"), std::string::npos);
  auto alerts = (*store)->QueryFindings({0, static_cast<int>(Severity::kWarning), "", 10});
  ASSERT_EQ(alerts->size(), 1u);
  EXPECT_EQ((*alerts)[0].summary, "/var will be full in about 9 h");
  EXPECT_EQ((*alerts)[0].evidence[0].detail, "slope -1.2 GB/h");
  auto one = (*store)->GetFinding(id);
  ASSERT_TRUE(one.ok() && one->has_value());
  EXPECT_EQ((**one).facts[0].second, "9");
  EXPECT_EQ((*store)->LoadState().at("journal.cursor"), "s=1");
  EXPECT_EQ(*(*store)->GetModel("miner"), std::string("\0\1\2", 3));
  auto rollups = (*store)->QueryRollups("m{a=\"b\"}", 0);
  ASSERT_EQ(rollups->size(), 1u);
  EXPECT_EQ((*rollups)[0].count, 3u);
  EXPECT_EQ((*store)->DeleteOlderThan(100000).value_or(-1), 4);
}

TEST(Store, UnwritablePathIsAClearError) {
  auto store = Store::Open("/nonexistent-dir/x/hostmind.db");
  ASSERT_FALSE(store.ok());
  EXPECT_NE(store.status().message().find("/nonexistent-dir/x/hostmind.db"), std::string::npos);
}

TEST(Json, FindingRoundTripsAndInvalidUtf8IsReplaced) {
  Finding f = MakeFinding(1, Severity::kCritical, "bad \xff byte");
  f.id = 7;
  std::string text = JsonText(FindingToJson(f));
  auto back = FindingFromJson(nlohmann::json::parse(text));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->id, 7u);
  EXPECT_EQ(back->severity, Severity::kCritical);
  EXPECT_NE(back->summary.find("bad "), std::string::npos);
  EXPECT_FALSE(FindingFromJson(nlohmann::json{{"id", 1}}).ok());
}

TEST(SeriesTable, SourcesReplaceTheirSeriesAndPointsAgeOut) {
  SeriesTable t(10000);
  t.Apply("processes", 1000, {{SeriesKey("rss", {{"pid", "1"}}), 5, 1000}, {SeriesKey("rss", {{"pid", "2"}}), 6, 1000}});
  t.Apply("cpu", 1000, {{SeriesKey("cpu"), 0.5, 1000}});
  EXPECT_EQ(t.LiveSeries().size(), 3u);
  // pid 2 exits: gone from the live set at once, its points stay for the window.
  t.Apply("processes", 2000, {{SeriesKey("rss", {{"pid", "1"}}), 7, 2000}});
  EXPECT_EQ(t.LiveSeries().size(), 2u);
  EXPECT_EQ(t.Points("rss{pid=\"2\"}", 0)->size(), 1u);
  EXPECT_EQ(t.Points("rss{pid=\"1\"}", 1500)->size(), 1u);
  t.Apply("processes", 20000, {{SeriesKey("rss", {{"pid", "1"}}), 8, 20000}});
  EXPECT_FALSE(t.Points("rss{pid=\"2\"}", 0).has_value());
  EXPECT_EQ(t.Points("rss{pid=\"1\"}", 0)->size(), 1u);
  EXPECT_FALSE(t.Points("nope", 0).has_value());
}

TEST(StoreSink, RollsUpPerIntervalAndCommitsState) {
  auto store = Store::Open(":memory:");
  ASSERT_TRUE(store.ok());
  SeriesTable series(600000);
  StoreConfig config{600000, 60000, 7 * kMsPerDay};
  StoreSink sink(**store, series, config);
  for (int i = 0; i < 130; ++i) {
    Batch b;
    b.source = "cpu";
    b.ts = 1700000000000 + i * 1000;
    b.Gauge(SeriesKey("load"), i);
    if (i == 5) b.state.emplace_back("kmsg.position", "boot 5");
    Analysis a;
    sink.Consume(b, a);
  }
  sink.Flush();
  auto rollups = (*store)->QueryRollups("load", 0);
  ASSERT_TRUE(rollups.ok());
  uint64_t total = 0;
  for (const auto& r : *rollups) {
    total += r.count;
    EXPECT_LE(r.min, r.max);
  }
  EXPECT_EQ(total, 130u);
  EXPECT_GE(rollups->size(), 3u);
  EXPECT_EQ((*store)->LoadState().at("kmsg.position"), "boot 5");
}

}  // namespace
}  // namespace hostmind
