// Debian's Prometheus scrapes a live agent (with the read token required, as beyond loopback)
// and answers queries about it through its HTTP API.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include <cctype>
#include <nlohmann/json.hpp>

#include "agent_process.h"
#include "child_process.h"

namespace hostmind {
namespace {

using namespace std::chrono_literals;
using testing::AgentProcess;
using testing::ChildProcess;
using testing::FreePort;
using testing::TempDir;
using testing::WaitFor;

// The value of the first result of an instant query, or nullopt.
std::optional<double> Query(int port, const std::string& promql) {
  std::string q;
  for (unsigned char c : promql) {
    if (std::isalnum(c) || c == '_') q += static_cast<char>(c);
    else q += fmt::format("%{:02X}", c);
  }
  auto r = HttpCall("GET", "127.0.0.1", port, "/api/v1/query?query=" + q);
  if (!r.ok() || r->status != 200) return std::nullopt;
  auto j = nlohmann::json::parse(r->body, nullptr, false);
  if (j.is_discarded() || j["status"] != "success" || j["data"]["result"].empty()) return std::nullopt;
  return std::stod(j["data"]["result"][0]["value"][1].get<std::string>());
}

TEST(Prometheus, ScrapesTheAgentAndAnswersQueriesAboutIt) {
  const char* binary = "/usr/bin/prometheus";
  if (access(binary, X_OK) != 0) GTEST_SKIP() << "no " << binary << " (scripts/install-deps.sh test)";
  TempDir dir;
  AgentProcess agent(dir, "", "  token: scrape-secret\n  token_for_reads: true\n");
  ASSERT_TRUE(agent.Start()) << agent.Log();
  auto unauthorized = HttpCall("GET", "127.0.0.1", agent.port(), "/metrics");
  ASSERT_TRUE(unauthorized.ok());
  ASSERT_EQ(unauthorized->status, 401);

  int port = FreePort();
  dir.Write("prometheus.yml",
            "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n"
            "scrape_configs:\n  - job_name: hostmind\n    authorization:\n      credentials: scrape-secret\n"
            "    static_configs:\n      - targets: ['127.0.0.1:" + std::to_string(agent.port()) + "']\n");
  ChildProcess prometheus;
  prometheus.Start({binary, "--config.file=" + dir.path() + "/prometheus.yml", "--storage.tsdb.path=" + dir.path() + "/tsdb",
                    "--web.listen-address=127.0.0.1:" + std::to_string(port)},
                   dir.path() + "/prometheus.log");
  std::optional<double> up;
  ASSERT_TRUE(WaitFor([&] { return (up = Query(port, "up{job=\"hostmind\"}")).has_value() && *up == 1; }, 30s))
      << prometheus.Log();
  auto cpu_up = Query(port, "hostmind_collector_up{collector=\"cpu\"}");
  ASSERT_TRUE(cpu_up);
  EXPECT_EQ(*cpu_up, 1);
  auto mem = Query(port, "hostmind_memory_total_bytes");
  ASSERT_TRUE(mem);
  EXPECT_GT(*mem, 64e6);
  // Nothing was malformed: Prometheus would have counted the scrape as failed.
  auto samples = Query(port, "scrape_samples_scraped{job=\"hostmind\"}");
  ASSERT_TRUE(samples);
  EXPECT_GT(*samples, 100);
}

}  // namespace
}  // namespace hostmind
