// The real agent on the real kernel: what `make run` promises, clean shutdown, crash safety,
// and record/replay through the CLI.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>

#include "agent_process.h"
#include "store/store.h"

namespace hostmind {
namespace {

using namespace std::chrono_literals;
using testing::AgentProcess;
using testing::TempDir;
using testing::WaitFor;

void AppendLines(const std::string& path, int from, int to) {
  std::ofstream out(path, std::ios::app);
  for (int i = from; i < to; ++i) out << "app line " << i << "\n";
}

// Waits until collector `name` has run once: the log file collector follows files that exist
// at its first run from their end, so tests write lines only after that.
bool WaitForFirstRun(AgentProcess& agent, const std::string& name) {
  return WaitFor(
      [&] {
        auto r = agent.Get("/api/v1/health");
        if (!r.ok()) return false;
        auto h = nlohmann::json::parse(r->body);
        for (const auto& c : h["collectors"])
          if (c["name"] == name && c["runs"].get<int>() > 0) return true;
        return false;
      },
      10s);
}

std::string LogConfig(const TempDir& dir) { return "collect:\n  logs:\n    files: [" + dir.path() + "/app.log]\n"; }

size_t CountLogEvents(AgentProcess& agent) {
  auto r = agent.Get("/api/v1/events?type=log&limit=10000");
  if (!r.ok() || r->status != 200) return 0;
  size_t n = 0;
  auto body = nlohmann::json::parse(r->body);
  for (const auto& e : body["events"])
    if (e["message"].get<std::string>().rfind("app line", 0) == 0) ++n;
  return n;
}

// The value of the first sample of `name` in a /metrics text, if any.
std::optional<double> FirstValue(const std::string& metrics, const std::string& name) {
  std::regex re("\n" + name + "(\\{[^}]*\\})? ([^\n]+)");
  std::smatch m;
  if (!std::regex_search(metrics, m, re)) return std::nullopt;
  return std::stod(m[2]);
}

TEST(AgentRuntime, ServesEveryCollectorFamilyWithPlausibleValues) {
  TempDir dir;
  dir.Write("app.log", "");
  AgentProcess agent(dir, LogConfig(dir));
  ASSERT_TRUE(agent.Start()) << agent.Log();
  ASSERT_TRUE(WaitForFirstRun(agent, "logfiles"));
  AppendLines(dir.path() + "/app.log", 0, 3);
  const char* families[] = {"hostmind_cpu_utilization_ratio", "hostmind_memory_available_bytes",
                            "hostmind_pressure_stall_ratio",  "hostmind_disk_io_in_progress",
                            "hostmind_filesystem_avail_bytes", "hostmind_network_receive_bytes_per_second",
                            "hostmind_process_rss_bytes",     "hostmind_cgroup_memory_usage_bytes",
                            "hostmind_logfile_lines_total",   "hostmind_collector_up"};
  std::string metrics;
  bool all = WaitFor(
      [&] {
        auto r = agent.Get("/metrics");
        metrics = r.ok() ? r->body : "";
        for (const char* f : families)
          if (metrics.find(std::string("\n") + f) == std::string::npos) return false;
        return FirstValue(metrics, "hostmind_logfile_lines_total").value_or(0) >= 3;
      },
      30s);
  for (const char* f : families) EXPECT_NE(metrics.find(std::string("\n") + f), std::string::npos) << f;
  ASSERT_TRUE(all) << agent.Log();
  double busy = *FirstValue(metrics, "hostmind_cpu_utilization_ratio");
  EXPECT_GE(busy, 0);
  EXPECT_LE(busy, 1);
  EXPECT_GT(*FirstValue(metrics, "hostmind_memory_available_bytes"), 1e6);
  EXPECT_LE(*FirstValue(metrics, "hostmind_memory_available_bytes"), *FirstValue(metrics, "hostmind_memory_total_bytes"));
  EXPECT_GT(*FirstValue(metrics, "hostmind_filesystem_size_bytes"), 0);
  EXPECT_GE(*FirstValue(metrics, "hostmind_processes"), 2);

  // promtool (Debian package prometheus) lints the live scrape.
  if (testing::RunCommand("command -v promtool >/dev/null") != 0) GTEST_SKIP() << "promtool not installed";
  std::string path = dir.Write("scrape.txt", metrics);
  std::string out;
  int rc = testing::RunCommand("promtool check metrics < " + path + " 2>&1", &out);
  EXPECT_EQ(rc, 0) << out;
}

TEST(AgentRuntime, ServesAnomalyDetectorsAndForecastsLive) {
  TempDir dir;
  AgentProcess agent(dir, LogConfig(dir));
  ASSERT_TRUE(agent.Start()) << agent.Log();
  nlohmann::json anomalies, forecasts;
  std::string metrics;
  bool ready = WaitFor(
      [&] {
        auto a = agent.Get("/api/v1/anomalies"), f = agent.Get("/api/v1/forecasts"), m = agent.Get("/metrics");
        if (!a.ok() || !f.ok() || !m.ok() || a->status != 200 || f->status != 200) return false;
        anomalies = nlohmann::json::parse(a->body);
        forecasts = nlohmann::json::parse(f->body);
        metrics = m->body;
        bool filesystem = false, memory = false;
        for (const auto& r : forecasts["forecasts"]) {
          filesystem |= r["resource"] == "filesystem";
          memory |= r["resource"] == "memory";
        }
        return anomalies["series_watched"].get<int>() >= 10 && filesystem && memory &&
               metrics.find("\nhostmind_anomaly_series_watched") != std::string::npos;
      },
      30s);
  ASSERT_TRUE(ready) << anomalies.dump() << forecasts.dump() << agent.Log();
  EXPECT_GT(anomalies["state_bytes"].get<double>(), 0);
  EXPECT_GT(*FirstValue(metrics, "hostmind_anomaly_series_watched"), 10);
  auto incidents = agent.Get("/api/v1/incidents");
  ASSERT_TRUE(incidents.ok());
  EXPECT_EQ(incidents->status, 200);
}

TEST(AgentRuntime, SigtermStopsWithin2sWithStateFlushed) {
  TempDir dir;
  dir.Write("app.log", "");
  AgentProcess agent(dir, LogConfig(dir));
  ASSERT_TRUE(agent.Start()) << agent.Log();
  ASSERT_TRUE(WaitForFirstRun(agent, "logfiles"));
  AppendLines(dir.path() + "/app.log", 0, 5);
  ASSERT_TRUE(WaitFor([&] { return CountLogEvents(agent) == 5; }, 10s));
  auto t0 = std::chrono::steady_clock::now();
  auto status = agent.Signal(SIGTERM, 2s);
  ASSERT_TRUE(status.has_value()) << "still running 2 s after SIGTERM\n" << agent.Log();
  EXPECT_EQ(*status, 0);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 2s);
  EXPECT_NE(agent.Log().find("state flushed"), std::string::npos);
  // The position in the file was committed: a restart reads only what is new.
  ASSERT_TRUE(agent.Start()) << agent.Log();
  AppendLines(dir.path() + "/app.log", 5, 6);
  EXPECT_TRUE(WaitFor([&] { return CountLogEvents(agent) == 6; }, 10s)) << CountLogEvents(agent);
  std::this_thread::sleep_for(1500ms);
  EXPECT_EQ(CountLogEvents(agent), 6u);  // nothing repeated
}

TEST(AgentRuntime, Kill9LosesNoCommittedDataAndRestartsCleanly) {
  TempDir dir;
  dir.Write("app.log", "");
  AgentProcess agent(dir, LogConfig(dir));
  ASSERT_TRUE(agent.Start()) << agent.Log();
  ASSERT_TRUE(WaitForFirstRun(agent, "logfiles"));
  // Keep writing while the agent commits, then kill it mid-stream.
  for (int i = 0; i < 20; ++i) {
    AppendLines(dir.path() + "/app.log", i * 50, (i + 1) * 50);
    std::this_thread::sleep_for(50ms);
  }
  ASSERT_TRUE(WaitFor([&] { return CountLogEvents(agent) >= 500; }, 10s));
  size_t committed = CountLogEvents(agent);
  ASSERT_TRUE(agent.Signal(SIGKILL, 2s).has_value());

  {
    auto store = Store::Open(agent.state_dir() + "/hostmind.db");
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    auto events = (*store)->QueryEvents({0, "log", 100000});
    ASSERT_TRUE(events.ok());
    size_t app = 0;
    for (const auto& e : *events) app += e.json.find("app line") != std::string::npos;
    EXPECT_GE(app, committed);
    EXPECT_TRUE((*store)->Exec("PRAGMA integrity_check").ok());
  }
  ASSERT_TRUE(agent.Start()) << agent.Log();
  auto health = agent.Get("/api/v1/health");
  ASSERT_TRUE(health.ok());
  EXPECT_EQ(health->status, 200);
  // Every line arrives exactly once across the crash: none lost, none repeated.
  EXPECT_TRUE(WaitFor([&] { return CountLogEvents(agent) == 1000; }, 10s)) << CountLogEvents(agent);
}

TEST(AgentRuntime, RecordThenReplayYieldsTheSameSamples) {
  TempDir dir;
  std::string out;
  std::string rec = dir.path() + "/rec";
  int rc = testing::RunCommand(std::string(HOSTMIND_BINARY) + " record --seconds 3 --out " + rec + " 2>&1", &out);
  ASSERT_EQ(rc, 0) << out;
  rc = testing::RunCommand(std::string(HOSTMIND_BINARY) + " replay " + rec + " --samples " + rec + "/replayed.tsv 2>&1", &out);
  ASSERT_EQ(rc, 0) << out;
  std::string recorded = testing::ReadWholeFile(rec + "/samples.tsv");
  std::string replayed = testing::ReadWholeFile(rec + "/replayed.tsv");
  EXPECT_GT(recorded.size(), 1000u);
  EXPECT_EQ(recorded, replayed);
}

}  // namespace
}  // namespace hostmind
