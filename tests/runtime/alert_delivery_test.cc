// Alert delivery to real peers: a nats-server and a Prometheus Alertmanager started by the
// test, with outages of the peer and a crash of the agent in between.
#include <gtest/gtest.h>
#include <nats/nats.h>

#include <nlohmann/json.hpp>

#include "agent_process.h"
#include "alert/targets.h"
#include "child_process.h"

namespace hostmind {
namespace {

using namespace std::chrono_literals;
using testing::AgentProcess;
using testing::ChildProcess;
using testing::FreePort;
using testing::TempDir;
using testing::WaitFor;

uint64_t ReportFinding(AgentProcess& agent, const std::string& subject, const std::string& summary) {
  nlohmann::json f = {{"kind", "anomaly"}, {"severity", "critical"}, {"subject", subject}, {"summary", summary},
                      {"score", 0.9}, {"evidence", {{{"subject", subject}, {"score", 0.9}, {"detail", "value 9, normal 1-2"}}}}};
  auto r = HttpCall("POST", "127.0.0.1", agent.port(), "/api/v1/findings", f.dump());
  EXPECT_TRUE(r.ok() && r->status == 202);
  uint64_t id = 0;
  WaitFor(
      [&] {
        auto a = agent.Get("/api/v1/alerts");
        if (!a.ok()) return false;
        auto body = nlohmann::json::parse(a->body);  // outlives the loop (a temporary's member would not)
        for (const auto& x : body["alerts"])
          if (x["summary"] == summary) id = x["id"];
        return id != 0;
      },
      10s);
  return id;
}

std::string Hostname() {
  char buf[256] = {};
  gethostname(buf, sizeof buf - 1);
  return buf;
}

// A NATS subscriber on <base>.> that collects messages by subject.
class NatsListener {
 public:
  explicit NatsListener(int port) {
    std::string url = "nats://127.0.0.1:" + std::to_string(port);
    if (natsConnection_ConnectTo(&conn_, url.c_str()) != NATS_OK) return;
    natsConnection_SubscribeSync(&sub_, conn_, (NatsSubjectBase("hostmind", Hostname()) + ".>").c_str());
  }
  ~NatsListener() {
    if (sub_) natsSubscription_Destroy(sub_);
    if (conn_) natsConnection_Destroy(conn_);
  }
  bool ok() const { return sub_ != nullptr; }
  // Waits for a message on a subject ending in `suffix` whose body contains `needle`; messages
  // read on the way are kept for later calls (events and alerts interleave).
  std::optional<nlohmann::json> Await(const std::string& suffix, const std::string& needle, std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (true) {
      for (auto it = seen_.begin(); it != seen_.end(); ++it) {
        const auto& [subject, body] = *it;
        if (subject.size() >= suffix.size() && subject.compare(subject.size() - suffix.size(), suffix.size(), suffix) == 0 &&
            body.find(needle) != std::string::npos) {
          auto j = nlohmann::json::parse(body);
          seen_.erase(it);
          return j;
        }
      }
      if (std::chrono::steady_clock::now() >= deadline) return std::nullopt;
      natsMsg* msg = nullptr;
      if (natsSubscription_NextMsg(&msg, sub_, 200) != NATS_OK) continue;
      seen_.emplace_back(natsMsg_GetSubject(msg), std::string(natsMsg_GetData(msg), static_cast<size_t>(natsMsg_GetDataLength(msg))));
      natsMsg_Destroy(msg);
    }
  }

 private:
  natsConnection* conn_ = nullptr;
  natsSubscription* sub_ = nullptr;
  std::vector<std::pair<std::string, std::string>> seen_;  // (subject, body) not yet awaited
};

bool StartNats(ChildProcess& nats, int port, const TempDir& dir) {
  static int starts = 0;  // a fresh log per start: "ready" must be this start's
  nats.Start({"/usr/sbin/nats-server", "-a", "127.0.0.1", "-p", std::to_string(port)},
             dir.path() + "/nats-" + std::to_string(starts++) + ".log");
  return WaitFor([&] { return nats.Log().find("Server is ready") != std::string::npos; }, 10s);
}

nlohmann::json NatsTargetHealth(AgentProcess& agent) {
  auto r = agent.Get("/api/v1/health");
  if (!r.ok()) return {};
  auto health = nlohmann::json::parse(r->body);
  for (const auto& t : health["alerting"]["targets"])
    if (t["name"].get<std::string>().rfind("nats", 0) == 0) return t;
  return {};
}

TEST(AlertDelivery, NatsGetsAlertsAndEventsAndNothingIsLostAcrossAnOutageAndACrash) {
  if (access("/usr/sbin/nats-server", X_OK) != 0) GTEST_SKIP() << "no nats-server (scripts/install-deps.sh test)";
  TempDir dir;
  int port = FreePort();
  ChildProcess nats;
  ASSERT_TRUE(StartNats(nats, port, dir)) << nats.Log();
  AgentProcess agent(dir, "alerts:\n  retry_initial: 100ms\n  retry_max: 500ms\n  nats:\n    url: nats://127.0.0.1:" +
                              std::to_string(port) + "\n");
  ASSERT_TRUE(agent.Start()) << agent.Log();
  ASSERT_TRUE(WaitFor([&] { return NatsTargetHealth(agent)["state"] == "ok"; }, 10s));

  {
    NatsListener listener(port);
    ASSERT_TRUE(listener.ok());
    uint64_t id = ReportFinding(agent, "hostmind_load1", "load far above normal (nats test)");
    ASSERT_NE(id, 0u);
    auto alert = listener.Await(".alerts", "(nats test)", 10s);
    ASSERT_TRUE(alert) << agent.Log();
    EXPECT_EQ((*alert)["status"], "firing");
    EXPECT_EQ((*alert)["finding"]["id"], id);
    EXPECT_EQ((*alert)["finding"]["evidence"][0]["detail"], "value 9, normal 1-2");
    EXPECT_EQ((*alert)["labels"]["severity"], "critical");
    // This finding's event, not another the live agent raised meanwhile (a log anomaly of the host).
    auto event = listener.Await(".events", "(nats test)", 10s);
    ASSERT_TRUE(event);
    EXPECT_EQ((*event)["type"], "finding");
    EXPECT_EQ((*event)["kind"], "anomaly");
  }

  // Outage: the server goes away; the next alert waits on disk while delivery backs off.
  nats.Stop();
  ASSERT_NE(ReportFinding(agent, "hostmind_memory_used_ratio", "memory odd (during the outage)"), 0u);
  ASSERT_TRUE(WaitFor([&] { return NatsTargetHealth(agent)["queued"] >= 1 && NatsTargetHealth(agent)["failed"] > 0; }, 10s))
      << NatsTargetHealth(agent).dump();
  // ... and the agent crashes before the server is back.
  ASSERT_TRUE(agent.Signal(SIGKILL, 5s).has_value());

  ASSERT_TRUE(StartNats(nats, port, dir)) << nats.Log();
  NatsListener listener(port);
  ASSERT_TRUE(listener.ok());
  ASSERT_TRUE(agent.Start()) << agent.Log();
  auto late = listener.Await(".alerts", "(during the outage)", 15s);
  ASSERT_TRUE(late) << agent.Log();
  EXPECT_EQ((*late)["finding"]["subject"], "hostmind_memory_used_ratio");
  EXPECT_TRUE(WaitFor([&] { return NatsTargetHealth(agent)["queued"] == 0; }, 5s));
}

TEST(AlertDelivery, PrometheusAlertmanagerAcceptsOurWebhook) {
  const char* binary = "/usr/bin/prometheus-alertmanager";
  if (access(binary, X_OK) != 0) GTEST_SKIP() << "no " << binary << " (scripts/install-deps.sh test)";
  TempDir dir;
  int port = FreePort();
  dir.Write("am.yml", "route:\n  receiver: nobody\nreceivers:\n  - name: nobody\n");
  ChildProcess am;
  am.Start({binary, "--config.file=" + dir.path() + "/am.yml", "--storage.path=" + dir.path() + "/am",
            "--web.listen-address=127.0.0.1:" + std::to_string(port), "--cluster.listen-address="},
           dir.path() + "/am.log");
  ASSERT_TRUE(WaitFor([&] {
    auto r = HttpCall("GET", "127.0.0.1", port, "/-/ready");
    return r.ok() && r->status == 200;
  }, 20s)) << am.Log();

  std::string url = "http://127.0.0.1:" + std::to_string(port) + "/api/v2/alerts";
  AgentProcess agent(dir, "alerts:\n  dashboard_url: http://127.0.0.1:9464/\n  webhook:\n    urls: [" + url + "]\n");
  ASSERT_TRUE(agent.Start()) << agent.Log();
  uint64_t id = ReportFinding(agent, "hostmind_load1", "load far above normal (alertmanager test)");
  ASSERT_NE(id, 0u);

  nlohmann::json found;
  ASSERT_TRUE(WaitFor([&] {
    auto r = HttpCall("GET", "127.0.0.1", port, "/api/v2/alerts");
    if (!r.ok() || r->status != 200) return false;
    for (const auto& a : nlohmann::json::parse(r->body))
      if (a["annotations"].value("finding_id", "") == std::to_string(id)) found = a;
    return !found.is_null();
  }, 15s)) << agent.Log() << am.Log();
  EXPECT_EQ(found["labels"]["alertname"], "hostmind_anomaly");
  EXPECT_EQ(found["labels"]["severity"], "critical");
  EXPECT_EQ(found["labels"]["instance"], Hostname());
  EXPECT_EQ(found["status"]["state"], "active");
  EXPECT_NE(found["annotations"]["description"].get<std::string>().find("value 9, normal 1-2"), std::string::npos);
  EXPECT_EQ(found["generatorURL"], "http://127.0.0.1:9464/#finding/" + std::to_string(id));
}

}  // namespace
}  // namespace hostmind
