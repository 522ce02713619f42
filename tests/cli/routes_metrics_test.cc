#include "cli/routes_metrics.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <random>

#include "cli/agent_metrics.h"
#include "serve/http_client.h"

namespace hostmind {
namespace {

// The analyzers the agent builds from the `metrics:` section, fed synthetic batches, served
// over HTTP exactly as the agent serves them.
class RoutesMetricsTest : public ::testing::Test {
 protected:
  void Build(const std::string& overlay) {
    auto config = ParseConfig(overlay, "test");
    ASSERT_TRUE(config.ok()) << config.status().ToString();
    analyzers_ = BuildMetricAnalyzers(*config);
    server_ = std::make_unique<HttpServer>(HttpServerOptions{"127.0.0.1", 0, ""});
    RegisterMetricRoutes(*server_, analyzers_);
    ASSERT_TRUE(server_->Start().ok());
  }

  // One batch every 10 s: three gauges, a filesystem filling by 1 GB/h, memory.
  void Feed(int steps, double jump) {
    for (int i = 0; i < steps; ++i) {
      ts_ += 10 * kMsPerSecond;
      Batch b;
      b.ts = ts_;
      b.Gauge(SeriesKey("t_cpu"), 20 + noise_(rng_) + jump);
      b.Gauge(SeriesKey("t_disk"), 5 + noise_(rng_) / 4 + jump);
      b.Gauge(SeriesKey("t_net"), 100 + 5 * noise_(rng_) + 2 * jump);
      const double hours = static_cast<double>(ts_ - kStart) / kMsPerHour;
      std::vector<Label> fs{{"mountpoint", "/var"}};
      b.Gauge(SeriesKey("hostmind_filesystem_size_bytes", fs), 100e9);
      b.Gauge(SeriesKey("hostmind_filesystem_avail_bytes", fs), 60e9 - 1e9 * hours);
      b.Gauge(SeriesKey("hostmind_memory_total_bytes"), 16e9);
      b.Gauge(SeriesKey("hostmind_memory_available_bytes"), 8e9 + 1e6 * noise_(rng_));
      for (auto& a : analyzers_) {
        Analysis out;
        a->Analyze(b, out);
      }
    }
  }

  nlohmann::json Get(const std::string& path, int status = 200) {
    auto r = HttpCall("GET", "127.0.0.1", server_->port(), path, "", "");
    EXPECT_TRUE(r.ok());
    EXPECT_EQ(r->status, status) << path << ": " << r->body;
    return nlohmann::json::parse(r->body);
  }

  static constexpr TimeMs kStart = 1704067200000;
  TimeMs ts_ = kStart;
  std::mt19937 rng_{3};
  std::normal_distribution<double> noise_{0, 1};
  std::vector<std::unique_ptr<Analyzer>> analyzers_;
  std::unique_ptr<HttpServer> server_;
};

TEST_F(RoutesMetricsTest, ServesAnomaliesIncidentsAndForecasts) {
  Build("metrics:\n  anomalies:\n    warmup_steps: 300\n");
  ASSERT_EQ(analyzers_.size(), 2u);
  Feed(7 * 360, 0);  // 7 h of normal operation
  Feed(3, 40);       // every gauge jumps at once
  Feed(30, 0);       // ... and the incident window passes

  const nlohmann::json anomalies = Get("/api/v1/anomalies");
  EXPECT_GE(anomalies["series_watched"].get<int>(), 3);
  EXPECT_GT(anomalies["state_bytes"].get<int>(), 0);
  EXPECT_GE(anomalies["onsets_total"].get<int>(), 3);
  bool cpu_onset = false;
  for (const auto& o : anomalies["recent"]) cpu_onset |= o["series"] == "t_cpu";
  EXPECT_TRUE(cpu_onset) << anomalies.dump();
  EXPECT_EQ(Get("/api/v1/anomalies?limit=1")["recent"].size(), 1u);

  const nlohmann::json incidents = Get("/api/v1/incidents")["incidents"];
  ASSERT_GE(incidents.size(), 1u) << incidents.dump();
  EXPECT_GE(incidents[0]["series"].size(), 3u);
  EXPECT_FALSE(incidents[0]["open"].get<bool>());

  const nlohmann::json forecasts = Get("/api/v1/forecasts?resource=filesystem")["forecasts"];
  ASSERT_EQ(forecasts.size(), 1u) << forecasts.dump();
  EXPECT_EQ(forecasts[0]["subject"], "/var");
  EXPECT_TRUE(forecasts[0]["growing"].get<bool>());
  EXPECT_NEAR(forecasts[0]["growth_per_hour"].get<double>(), 1e9, 0.05e9);
  // 60 - 7 = 53 GB free at 1 GB/h: 53 h.
  EXPECT_NEAR(forecasts[0]["eta_s"].get<double>() / 3600, 53, 3);
  EXPECT_EQ(Get("/api/v1/forecasts?resource=memory")["forecasts"].size(), 1u);
}

// What GET /api/v1/series?id= adds for the dashboard's charts.
TEST_F(RoutesMetricsTest, AnnotatesSeriesWithTheirBandAnomaliesAndForecast) {
  Build("metrics:\n  anomalies:\n    warmup_steps: 300\n");
  Feed(7 * 360, 0);
  Feed(3, 40);
  FakeClock clock(ts_);
  CoreApiContext api;
  api.clock = &clock;
  AddMetricAnnotators(api, analyzers_);
  ASSERT_EQ(api.series_annotators.size(), 2u);
  auto annotate = [&](const std::string& id, TimeMs since) {
    nlohmann::json out = {{"id", id}};
    for (const auto& a : api.series_annotators) a(id, since, out);
    return out;
  };

  const nlohmann::json cpu = annotate("t_cpu", ts_ - 10 * kMsPerMinute);
  ASSERT_GE(cpu["band"].size(), 2u) << cpu.dump();
  for (const auto& b : cpu["band"]) {
    EXPECT_LT(b[1].get<double>(), 20);
    EXPECT_GT(b[2].get<double>(), 20);
  }
  ASSERT_GE(cpu["anomalies"].size(), 1u) << "the jump";
  EXPECT_GE(cpu["anomalies"][0][0].get<TimeMs>(), ts_ - 30 * kMsPerSecond);
  EXPECT_FALSE(cpu.contains("forecast"));
  EXPECT_TRUE(annotate("t_cpu", ts_ + 1)["anomalies"].empty()) << "only what is newer than since";

  // The filesystem's forecast is drawn on the series it is read from: free bytes, falling.
  const std::string avail = SeriesKey("hostmind_filesystem_avail_bytes", {{"mountpoint", "/var"}}).id();
  const nlohmann::json fs = annotate(avail, ts_ - kMsPerMinute);
  ASSERT_TRUE(fs.contains("forecast")) << fs.dump();
  EXPECT_EQ(fs["forecast"]["subject"], "/var");
  const nlohmann::json& points = fs["forecast"]["points"];
  ASSERT_GE(points.size(), 2u);
  EXPECT_NEAR(points[0][1].get<double>(), 53e9, 1e9);
  EXPECT_LT(points.back()[1].get<double>(), points[0][1].get<double>());
  EXPECT_EQ(Get("/api/v1/forecasts?resource=filesystem")["forecasts"][0]["series"], avail);
}

TEST_F(RoutesMetricsTest, DisabledAnalyzersAnswer404SayingWhichKey) {
  Build("metrics:\n  anomalies:\n    enabled: false\n  forecasts:\n    enabled: false\n");
  EXPECT_TRUE(analyzers_.empty());
  EXPECT_NE(Get("/api/v1/anomalies", 404)["error"].get<std::string>().find("metrics.anomalies.enabled"), std::string::npos);
  EXPECT_NE(Get("/api/v1/incidents", 404)["error"].get<std::string>().find("metrics.anomalies.enabled"), std::string::npos);
  EXPECT_NE(Get("/api/v1/forecasts", 404)["error"].get<std::string>().find("metrics.forecasts.enabled"), std::string::npos);
}

TEST(MetricsConfigTest, RejectsANonPositiveStep) {
  auto config = ParseConfig("metrics:\n  anomalies:\n    step: 0s\n", "test");
  ASSERT_FALSE(config.ok());
  EXPECT_NE(config.status().ToString().find("metrics.anomalies.step"), std::string::npos);
}

}  // namespace
}  // namespace hostmind
