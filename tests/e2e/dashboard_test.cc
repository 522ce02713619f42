// The dashboard in a real browser: Debian's chromium, headless, against a live agent on this
// machine with an anomaly reported through the API. Checks that the charts draw the live series
// with the anomaly marked and their learned normal band, that the alert is listed, and that
// clicking it opens its explanation.
// Screenshots are kept in <build>/tests/test-artifacts/.
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "../runtime/agent_process.h"
#include "e2e/headless_browser.h"

namespace hostmind {
namespace {

using namespace std::chrono_literals;
using testing::AgentProcess;
using testing::HeadlessBrowser;
using testing::TempDir;
using testing::WaitFor;

constexpr const char* kSeries = "hostmind_load1";

std::string ArtifactDir() {
  std::string dir = std::filesystem::current_path().string() + "/test-artifacts";
  std::filesystem::create_directories(dir);
  return dir;
}

// Reports an anomaly on the live load series, the way an external check would.
uint64_t ReportAnomaly(AgentProcess& agent) {
  nlohmann::json finding = {
      {"kind", "anomaly"}, {"severity", "critical"}, {"subject", kSeries}, {"score", 0.97},
      {"summary", "load average far above its learned normal (browser test)"},
      {"evidence", {{{"subject", kSeries}, {"score", 0.97}, {"detail", "value 9.1, normal 0.2-1.4 (view: value)"}},
                    {{"subject", "pid 4242 (stress-ng)"}, {"score", 0.6}, {"detail", "started 2 s before, 98% CPU"}}}},
      {"facts", {{"view", "value"}, {"observed", "9.1"}, {"normal", "0.2-1.4"}}}};
  auto r = HttpCall("POST", "127.0.0.1", agent.port(), "/api/v1/findings", finding.dump());
  EXPECT_TRUE(r.ok() && r->status == 202) << (r.ok() ? r->body : r.status().message());
  uint64_t id = 0;
  WaitFor(
      [&] {
        auto a = agent.Get("/api/v1/alerts?kind=anomaly");
        if (!a.ok()) return false;
        auto body = nlohmann::json::parse(a->body);  // outlives the loop (a temporary's member would not)
        for (const auto& f : body["alerts"])
          if (f["subject"] == kSeries) id = f["id"];
        return id != 0;
      },
      10s);
  return id;
}

TEST(DashboardBrowser, ChartsDrawAndTheAlertOpensToItsExplanation) {
  if (access(testing::kChromium, X_OK) != 0) GTEST_SKIP() << "no " << testing::kChromium << " (scripts/install-deps.sh test)";
  TempDir dir;
  // Detectors that learn in seconds, so that the charts have a learned band to draw.
  AgentProcess agent(dir, "metrics:\n  anomalies:\n    step: 1s\n    warmup_steps: 5\n");
  ASSERT_TRUE(agent.Start()) << agent.Log();
  // A few seconds of real points to draw.
  ASSERT_TRUE(WaitFor(
      [&] {
        auto r = agent.Get(std::string("/api/v1/series?id=") + kSeries);
        return r.ok() && r->status == 200 && nlohmann::json::parse(r->body)["points"].size() >= 3;
      },
      15s));
  uint64_t id = ReportAnomaly(agent);
  ASSERT_NE(id, 0u) << agent.Log();

  HeadlessBrowser browser;
  Status started = browser.Start(dir.path() + "/chromium-profile", dir.path() + "/chromium.log", 1400, 1000);
  ASSERT_TRUE(started.ok()) << started.message() << "\n" << testing::ReadWholeFile(dir.path() + "/chromium.log");
  std::string base = "http://127.0.0.1:" + std::to_string(agent.port()) + "/";
  ASSERT_TRUE(browser.Navigate(base).ok());

  // The overview: health, the open alert, and the vitals charts with the anomaly marked.
  auto status = browser.WaitFor("document.getElementById('status').textContent.match(/^(ok|degraded)$/) && "
                                "document.getElementById('status').textContent", 10s);
  ASSERT_TRUE(status.ok()) << status.status().message();
  std::string row = "document.querySelector('#section-open-alerts tr[data-finding=\"" + std::to_string(id) + "\"]')";
  ASSERT_TRUE(browser.WaitFor(row + " !== null", 10s).ok());
  EXPECT_NE((*browser.Evaluate(row + ".textContent")).get<std::string>().find("far above its learned normal"), std::string::npos);
  std::string chart = "document.querySelector('#section-vitals .chart-box[data-series=\"" + std::string(kSeries) + "\"] svg')";
  auto points = browser.WaitFor(chart + " && Number(" + chart + ".dataset.points)", 10s);
  ASSERT_TRUE(points.ok()) << points.status().message();
  EXPECT_GE(points->get<int>(), 3);
  EXPECT_TRUE(browser.WaitFor(chart + ".querySelector('path.line') !== null", 5s).ok());
  auto marks = browser.WaitFor("Number(" + chart + ".dataset.anomalies)", 5s);
  ASSERT_TRUE(marks.ok()) << marks.status().message();
  EXPECT_GE(marks->get<int>(), 1);  // the reported one, and any onsets the quick detectors found
  EXPECT_TRUE(browser.WaitFor("[..." + chart + ".querySelectorAll('g.anomaly title')].some((t) => "
                              "t.textContent.includes('far above its learned normal'))", 5s).ok());
  auto shot = browser.Screenshot(ArtifactDir() + "/dashboard-overview.png");
  ASSERT_TRUE(shot.ok()) << shot.status().message();
  EXPECT_GT(*shot, 20000u);  // a drawn page, not a blank one

  // Clicking the alert opens its explanation: summary, ranked evidence with the series' chart, facts.
  ASSERT_TRUE(browser.Evaluate(row + ".click(), true").ok());
  std::string expl = "document.querySelector('#drawer:not([hidden]) .explanation[data-finding=\"" + std::to_string(id) + "\"]')";
  ASSERT_TRUE(browser.WaitFor(expl + " !== null", 10s).ok());
  std::string text = (*browser.Evaluate(expl + ".textContent")).get<std::string>();
  EXPECT_NE(text.find("far above its learned normal"), std::string::npos) << text;
  EXPECT_NE(text.find("value 9.1, normal 0.2-1.4"), std::string::npos) << text;
  EXPECT_NE(text.find("pid 4242 (stress-ng)"), std::string::npos) << text;
  EXPECT_NE(text.find("0.2-1.4"), std::string::npos) << text;  // a fact
  EXPECT_EQ((*browser.Evaluate(expl + ".querySelectorAll('ol.evidence > li').length")).get<int>(), 2);
  auto evidence_chart = browser.WaitFor(expl + ".querySelector('svg') && Number(" + expl + ".querySelector('svg').dataset.points)", 10s);
  ASSERT_TRUE(evidence_chart.ok()) << evidence_chart.status().message();
  EXPECT_TRUE((*browser.Evaluate("location.hash")).get<std::string>() == "#finding/" + std::to_string(id));
  ASSERT_TRUE(browser.Screenshot(ArtifactDir() + "/dashboard-explanation.png").ok());

  // The metrics tab draws every default chart; a deep link opens the explanation directly.
  // (A query string makes each a fresh load: a change of fragment alone fires no load event.)
  ASSERT_TRUE(browser.Navigate(base + "?1#metrics").ok());
  auto charts = browser.WaitFor("document.querySelectorAll('#section-charts svg[data-points]:not([data-points=\"0\"])').length", 10s);
  ASSERT_TRUE(charts.ok()) << charts.status().message();
  EXPECT_GE(charts->get<int>(), 3);
  auto banded = browser.WaitFor("document.querySelectorAll('#section-charts svg[data-band]:not([data-band=\"0\"])').length", 15s);
  ASSERT_TRUE(banded.ok()) << "no chart draws a learned band: " << banded.status().message();
  EXPECT_TRUE(browser.WaitFor("document.querySelector('#section-charts svg path.band') !== null", 5s).ok());
  ASSERT_TRUE(browser.Screenshot(ArtifactDir() + "/dashboard-metrics.png").ok());
  ASSERT_TRUE(browser.Navigate(base + "?2#finding/" + std::to_string(id)).ok());
  EXPECT_TRUE(browser.WaitFor(expl + " !== null", 10s).ok());

  EXPECT_TRUE(browser.page_errors().empty()) << ::testing::PrintToString(browser.page_errors());
}

}  // namespace
}  // namespace hostmind
