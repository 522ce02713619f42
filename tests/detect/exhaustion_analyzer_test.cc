#include "detect/exhaustion_analyzer.h"

#include <gtest/gtest.h>

#include <cmath>

#include "detect/forecast_text.h"

namespace hostmind {
namespace {

constexpr double kGB = 1e9;

class ExhaustionAnalyzerTest : public ::testing::Test {
 protected:
  ExhaustionAnalyzerTest() : clock_(1704067200000) {}

  // A filesystem batch every 10 minutes for `hours`; avail(t_hours) gives the free space.
  std::vector<Finding> Filesystem(ExhaustionAnalyzer& a, double hours, double size, double (*avail)(double)) {
    std::vector<Finding> findings;
    for (double h = 0; h < hours; h += 1.0 / 6) {
      clock_.Advance(10 * kMsPerMinute);
      Batch b;
      b.ts = clock_.Now();
      std::vector<Label> l{{"mountpoint", "/var"}, {"device", "/dev/sda2"}, {"fstype", "ext4"}};
      b.Gauge(SeriesKey("hostmind_filesystem_size_bytes", l), size);
      b.Gauge(SeriesKey("hostmind_filesystem_avail_bytes", l), avail(elapsed_ + h));
      b.Gauge(SeriesKey("hostmind_filesystem_inodes", l), 1e6);
      b.Gauge(SeriesKey("hostmind_filesystem_inodes_free", l), 9e5);
      Analysis out;
      a.Analyze(b, out);
      last_samples_ = out.samples;
      for (Finding& f : out.findings) findings.push_back(std::move(f));
    }
    elapsed_ += hours;
    return findings;
  }

  FakeClock clock_;
  double elapsed_ = 0;
  std::vector<Sample> last_samples_;
};

TEST_F(ExhaustionAnalyzerTest, FillingFilesystemRaisesAForecastWithItsInterval) {
  ExhaustionAnalyzer a;
  // 100 GB, 30 GB free at the start, 1 GB/h consumed: full 30 h after the start.
  const auto findings = Filesystem(a, 12, 100 * kGB, [](double h) { return (30 - h) * kGB; });
  ASSERT_FALSE(findings.empty());
  const Finding& f = findings.front();
  EXPECT_EQ(f.kind, FindingKind::kForecast);
  EXPECT_EQ(f.severity, Severity::kWarning);
  EXPECT_EQ(f.subject, "/var");
  EXPECT_EQ(f.summary.rfind("/var will be full in about ", 0), 0u) << f.summary;
  EXPECT_NE(f.summary.find("growing 1.0 GB/h since"), std::string::npos) << f.summary;
  // Raised once the remaining time fell within the 24 h horizon (about 6 h in), then hourly.
  EXPECT_GE(findings.size(), 5u);
  for (size_t i = 1; i < findings.size(); ++i) EXPECT_GE(findings[i].ts - findings[i - 1].ts, kMsPerHour);
  const ResourceForecast fs = a.Snapshot().front();
  EXPECT_EQ(fs.resource, "filesystem");
  EXPECT_EQ(fs.alert, Severity::kWarning);
  EXPECT_NEAR(static_cast<double>(fs.forecast.eta) / kMsPerHour, 30 - 12, 1.0);
  bool exported = false;
  for (const Sample& s : last_samples_) {
    if (s.key.name() == "hostmind_forecast_seconds_to_full" && s.key.label("subject") == "/var" &&
        s.key.label("resource") == "filesystem")
      exported = std::abs(s.value - 18 * 3600) < 3600;
  }
  EXPECT_TRUE(exported);
}

// The path drawn on the chart is in the chart's units: the filesystem's chart shows what is
// free, so the path falls toward zero, reached at the forecast's time to full.
TEST_F(ExhaustionAnalyzerTest, ForecastPathIsDrawnInTheUnitsOfItsSeries) {
  ExhaustionAnalyzer a;
  Filesystem(a, 12, 100 * kGB, [](double h) { return (30 - h) * kGB; });
  const ResourceForecast fs = a.Snapshot().front();
  ASSERT_EQ(fs.resource, "filesystem");
  EXPECT_EQ(fs.series.rfind("hostmind_filesystem_avail_bytes{", 0), 0u) << fs.series;
  EXPECT_TRUE(fs.series_is_left);

  const std::vector<ForecastPoint> day = ForecastPath(fs, 24 * kMsPerHour);
  ASSERT_GE(day.size(), 2u);
  EXPECT_EQ(day.front().ts, fs.updated);
  EXPECT_NEAR(day.front().value, 18 * kGB, 0.5 * kGB);  // free now
  EXPECT_EQ(day.back().ts - day.front().ts, fs.forecast.eta) << "the path stops where the disk is full";
  EXPECT_NEAR(day.back().value, 0, 0.1 * kGB);
  for (size_t i = 1; i < day.size(); ++i) {
    EXPECT_LT(day[i].value, day[i - 1].value);
    EXPECT_LE(day[i].low, day[i].value);
    EXPECT_GE(day[i].high, day[i].value);
  }
  const std::vector<ForecastPoint> hour = ForecastPath(fs, kMsPerHour);
  EXPECT_EQ(hour.back().ts - hour.front().ts, kMsPerHour);
  EXPECT_NEAR(hour.front().value - hour.back().value, fs.forecast.rate_per_hour, 0.01 * kGB);
}

TEST_F(ExhaustionAnalyzerTest, EscalatesToCriticalWhenCloseAndRepeatsHourly) {
  ExhaustionAnalyzer a;
  const auto findings = Filesystem(a, 28, 100 * kGB, [](double h) { return (30 - h) * kGB; });
  ASSERT_FALSE(findings.empty());
  EXPECT_EQ(findings.back().severity, Severity::kCritical);
  // Six hours of warning before 24 h out, then critical under 6 h: a handful, not one per batch.
  EXPECT_LT(findings.size(), 30u);
  EXPECT_GT(findings.size(), 5u);
}

TEST_F(ExhaustionAnalyzerTest, DailySwingOnANearlyFullFilesystemStaysQuiet) {
  ExhaustionAnalyzer a;
  // 8 GB free on average, +-3 GB over the day (temp files by day, cleanup by night).
  const auto findings =
      Filesystem(a, 72, 100 * kGB, [](double h) { return (8 + 3 * std::sin(2 * M_PI * h / 24)) * kGB; });
  for (const Finding& f : findings) ADD_FAILURE() << f.summary;
}

TEST_F(ExhaustionAnalyzerTest, NamesALeakingProcessWithItsRate) {
  ExhaustionAnalyzer a;
  std::vector<Finding> findings;
  for (int m = 0; m < 4 * 60; m += 1) {
    clock_.Advance(kMsPerMinute);
    Batch b;
    b.ts = clock_.Now();
    b.Gauge(SeriesKey("hostmind_memory_total_bytes"), 16 * kGB);
    b.Gauge(SeriesKey("hostmind_memory_available_bytes"), 10 * kGB);
    b.Gauge(SeriesKey("hostmind_process_rss_bytes", {{"pid", "42"}, {"comm", "java"}}), 0.5 * kGB + m * (0.1 * kGB / 60));
    b.Gauge(SeriesKey("hostmind_process_rss_bytes", {{"pid", "7"}, {"comm", "sshd"}}), 0.05 * kGB);
    Analysis out;
    a.Analyze(b, out);
    for (Finding& f : out.findings) findings.push_back(std::move(f));
  }
  ASSERT_FALSE(findings.empty());
  for (const Finding& f : findings) {
    EXPECT_EQ(f.kind, FindingKind::kLeak);
    EXPECT_EQ(f.subject, "java (pid 42)");
  }
  EXPECT_NE(findings[0].summary.find("java (pid 42) leaks memory: +100 MB/h since"), std::string::npos)
      << findings[0].summary;
  EXPECT_NE(findings[0].summary.find("the host's memory (16 GB)"), std::string::npos) << findings[0].summary;
}

TEST_F(ExhaustionAnalyzerTest, ForgetsAProcessThatExited) {
  ExhaustionAnalyzer a;
  auto step = [&](bool with_process) {
    clock_.Advance(kMsPerMinute);
    Batch b;
    b.ts = clock_.Now();
    b.Gauge(SeriesKey("hostmind_memory_total_bytes"), 16 * kGB);
    b.Gauge(SeriesKey("hostmind_memory_available_bytes"), 10 * kGB);
    if (with_process) b.Gauge(SeriesKey("hostmind_process_rss_bytes", {{"pid", "42"}, {"comm", "java"}}), kGB);
    Analysis out;
    a.Analyze(b, out);
  };
  for (int m = 0; m < 60; ++m) step(true);
  EXPECT_EQ(a.Snapshot().size(), 2u);  // memory and the process
  for (int m = 0; m < 29; ++m) step(false);
  EXPECT_EQ(a.Snapshot().size(), 2u);  // not yet: a slow collection is not an exit
  for (int m = 0; m < 2; ++m) step(false);
  ASSERT_EQ(a.Snapshot().size(), 1u);
  EXPECT_EQ(a.Snapshot()[0].resource, "memory");
}

TEST(ForecastTextTest, FormatsBytesAndIntervals) {
  EXPECT_EQ(FormatBytes(1.2e9), "1.2 GB");
  EXPECT_EQ(FormatBytes(640e6), "640 MB");
  EXPECT_EQ(FormatCount(12000), "12k");
  ExhaustionForecast f;
  f.eta = 9 * kMsPerHour;
  f.eta_low = 6 * kMsPerHour;
  f.eta_high = 14 * kMsPerHour;
  EXPECT_EQ(FormatEta(f), "about 9 h (90%: 6-14 h)");
  f.eta_high = -1;
  EXPECT_EQ(FormatEta(f), "about 9 h (90%: 6 h or later)");
  f.eta = 3 * kMsPerDay;
  f.eta_low = 2 * kMsPerDay;
  f.eta_high = 5 * kMsPerDay;
  EXPECT_EQ(FormatEta(f), "about 3.0 d (90%: 2.0-5.0 d)");
  f.eta = 0;
  EXPECT_EQ(FormatEta(f), "now");
}

}  // namespace
}  // namespace hostmind
