#include <gtest/gtest.h>

#include "alert/alert_router.h"
#include "test_util.h"

namespace hostmind {
namespace {

constexpr TimeMs kT0 = 1700000000000;
constexpr TimeMs kMin = 60000;

Finding MakeFinding(uint64_t id, TimeMs ts, Severity sev, const std::string& subject = "/var") {
  Finding f;
  f.id = id;
  f.ts = ts;
  f.kind = FindingKind::kForecast;
  f.severity = sev;
  f.subject = subject;
  f.summary = subject + " fills up";
  f.evidence = {{"hostmind_filesystem_avail_bytes{mountpoint=\"" + subject + "\"}", 1.0, "falling 1 GB/h"}};
  return f;
}

class RouterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = *std::move(Store::Open(":memory:"));
    silences_ = *std::move(SilenceBook::Open(*store_));
  }
  AlertRouter MakeRouter() {
    return AlertRouter({"web-1", Severity::kWarning, 60 * kMin, 15 * kMin}, silences_.get(), store_.get());
  }
  std::unique_ptr<Store> store_;
  std::unique_ptr<SilenceBook> silences_;
};

TEST_F(RouterTest, RepeatsAreGroupedIntoOneAlertAndNotifiedOnlyWhenDueOrWorse) {
  AlertRouter r = MakeRouter();
  EXPECT_TRUE(r.Route(MakeFinding(1, kT0, Severity::kInfo), kT0).empty());  // below min_severity
  auto first = r.Route(MakeFinding(2, kT0, Severity::kWarning), kT0);
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(first[0].count, 1u);
  EXPECT_EQ(first[0].host, "web-1");
  EXPECT_EQ(first[0].Labels().at("alertname"), "hostmind_forecast");
  // Repeats within repeat_interval only count.
  for (int i = 1; i <= 5; ++i) EXPECT_TRUE(r.Route(MakeFinding(2 + i, kT0 + i * kMin, Severity::kWarning), kT0 + i * kMin).empty());
  // Another subject is another alert.
  EXPECT_EQ(r.Route(MakeFinding(10, kT0 + 6 * kMin, Severity::kWarning, "/home"), kT0 + 6 * kMin).size(), 1u);
  // A rise in severity is notified at once, with the count so far.
  auto worse = r.Route(MakeFinding(11, kT0 + 7 * kMin, Severity::kCritical), kT0 + 7 * kMin);
  ASSERT_EQ(worse.size(), 1u);
  EXPECT_EQ(worse[0].count, 7u);
  EXPECT_EQ(worse[0].finding.id, 11u);
  EXPECT_EQ(worse[0].first_finding_id, 2u);
  EXPECT_EQ(worse[0].starts_at, kT0);
  // Still firing after repeat_interval: sent again.
  EXPECT_TRUE(r.Route(MakeFinding(12, kT0 + 30 * kMin, Severity::kCritical), kT0 + 30 * kMin).empty());
  auto again = r.Route(MakeFinding(13, kT0 + 68 * kMin, Severity::kCritical), kT0 + 68 * kMin);
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0].count, 9u);
  AlertRouterStats s = r.stats();
  EXPECT_EQ(s.findings, 10u);
  EXPECT_EQ(s.notified, 4u);
  EXPECT_EQ(s.deduplicated, 6u);
}

TEST_F(RouterTest, FindingsAboutThePastAreNotAlerted) {
  AlertRouter r = MakeRouter();
  // A kernel message from an hour before the agent started: no firing-then-resolved pair.
  EXPECT_TRUE(r.Route(MakeFinding(1, kT0 - 60 * kMin, Severity::kWarning), kT0).empty());
  EXPECT_TRUE(r.Expire(kT0).empty());
  EXPECT_EQ(r.stats().stale, 1u);
  EXPECT_EQ(r.stats().notified, 0u);
  // A recent one, even if a little late, is.
  EXPECT_EQ(r.Route(MakeFinding(2, kT0 - 5 * kMin, Severity::kWarning), kT0).size(), 1u);
}

TEST_F(RouterTest, QuietAlertsResolveAndTheResolutionIsNotified) {
  AlertRouter r = MakeRouter();
  r.Route(MakeFinding(1, kT0, Severity::kWarning), kT0);
  r.Route(MakeFinding(2, kT0 + 5 * kMin, Severity::kWarning), kT0 + 5 * kMin);
  EXPECT_TRUE(r.Expire(kT0 + 19 * kMin).empty());
  auto resolved = r.Expire(kT0 + 20 * kMin);
  ASSERT_EQ(resolved.size(), 1u);
  EXPECT_TRUE(resolved[0].resolved());
  EXPECT_EQ(resolved[0].ends_at, kT0 + 20 * kMin);
  EXPECT_TRUE(r.Open(kT0 + 20 * kMin).empty());
  // The next finding opens a new alert.
  auto next = r.Route(MakeFinding(3, kT0 + 30 * kMin, Severity::kWarning), kT0 + 30 * kMin);
  ASSERT_EQ(next.size(), 1u);
  EXPECT_EQ(next[0].count, 1u);
}

TEST_F(RouterTest, SilencedAlertsAreKeptButNotNotified) {
  AlertRouter r = MakeRouter();
  auto silence = silences_->Add(Silence{0, {{"subject", "/v.*", true, true}, {"severity", "critical", false, false}},
                                        kT0, kT0 + 60 * kMin, "ops", "maintenance"});
  ASSERT_TRUE(silence.ok()) << silence.status().message();
  EXPECT_TRUE(r.Route(MakeFinding(1, kT0, Severity::kWarning), kT0).empty());
  EXPECT_EQ(r.stats().silenced, 1u);
  auto open = r.Open(kT0);
  ASSERT_EQ(open.size(), 1u);
  EXPECT_EQ(open[0].silenced_by, silence->id);
  // severity!=critical no longer holds: the escalation gets through.
  EXPECT_EQ(r.Route(MakeFinding(2, kT0 + kMin, Severity::kCritical), kT0 + kMin).size(), 1u);
  // Other subjects were never silenced; after the silence ends, /var is notified again when due.
  EXPECT_EQ(r.Route(MakeFinding(3, kT0 + kMin, Severity::kWarning, "/home"), kT0 + kMin).size(), 1u);
}

TEST_F(RouterTest, OpenAlertsSurviveARestart) {
  {
    AlertRouter r = MakeRouter();
    ASSERT_EQ(r.Route(MakeFinding(1, kT0, Severity::kWarning), kT0).size(), 1u);
  }
  AlertRouter again = MakeRouter();
  ASSERT_EQ(again.Open(kT0).size(), 1u);
  // Not a new alert: the restart does not notify it twice.
  EXPECT_TRUE(again.Route(MakeFinding(2, kT0 + kMin, Severity::kWarning), kT0 + kMin).empty());
  EXPECT_EQ(again.Open(kT0 + kMin)[0].alert.count, 2u);
}

TEST(AlertFingerprint, DependsOnHostKindAndSubjectOnly) {
  Finding a = MakeFinding(1, kT0, Severity::kWarning, "ab");
  Finding b = MakeFinding(2, kT0 + 1, Severity::kCritical, "ab");
  b.summary = "other words";
  EXPECT_EQ(AlertFingerprint("h", a), AlertFingerprint("h", b));
  EXPECT_NE(AlertFingerprint("h", a), AlertFingerprint("h2", a));
  Finding c = MakeFinding(1, kT0, Severity::kWarning, "b");
  EXPECT_NE(AlertFingerprint("ha", c), AlertFingerprint("h", MakeFinding(1, kT0, Severity::kWarning, "ab")));
  EXPECT_EQ(AlertFingerprint("h", a).size(), 16u);
}

TEST(AlertmanagerPayload, HasTheShapeAlertmanagerAccepts) {
  Alert a;
  a.host = "web-1";
  a.finding = MakeFinding(42, kT0, Severity::kCritical);
  a.starts_at = kT0;
  a.last_seen = kT0 + 1500;
  a.count = 3;
  nlohmann::json j = AlertmanagerAlert(a, 15 * kMin, "http://web-1:9464/");
  EXPECT_EQ(j["labels"]["alertname"], "hostmind_forecast");
  EXPECT_EQ(j["labels"]["severity"], "critical");
  EXPECT_EQ(j["labels"]["instance"], "web-1");
  EXPECT_EQ(j["labels"]["subject"], "/var");
  EXPECT_EQ(j["annotations"]["summary"], "/var fills up");
  EXPECT_EQ(j["annotations"]["finding_id"], "42");
  EXPECT_EQ(j["annotations"]["count"], "3");
  EXPECT_NE(j["annotations"]["description"].get<std::string>().find("falling 1 GB/h"), std::string::npos);
  EXPECT_EQ(j["startsAt"], "2023-11-14T22:13:20.000Z");
  EXPECT_EQ(j["endsAt"], "2023-11-14T22:28:21.500Z");  // last_seen + resolve_after
  EXPECT_EQ(j["generatorURL"], "http://web-1:9464/#finding/42");
  a.ends_at = kT0 + 5000;
  EXPECT_EQ(AlertmanagerAlert(a, 15 * kMin, "")["endsAt"], "2023-11-14T22:13:25.000Z");
  EXPECT_FALSE(AlertmanagerAlert(a, 15 * kMin, "").contains("generatorURL"));
  // Round trip of our own shape.
  auto back = AlertFromJson(AlertToJson(a));
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ(back->finding.evidence[0].detail, "falling 1 GB/h");
  EXPECT_EQ(back->count, 3u);
  EXPECT_TRUE(back->resolved());
}

}  // namespace
}  // namespace hostmind
