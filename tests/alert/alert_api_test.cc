// The alerting endpoints through the real HTTP server, with and without the token.
#include <gtest/gtest.h>

#include "alert/alert_api.h"
#include "serve/http_client.h"

namespace hostmind {
namespace {

class AlertApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = *std::move(Store::Open(":memory:"));
    AlertConfig config;
    config.min_severity = "warning";
    config.repeat_interval_ms = 3600000;
    config.resolve_after_ms = 900000;
    config.queue_capacity = 100;
    config.retry_initial_ms = 10;
    config.retry_max_ms = 100;
    config.log = false;
    sink_ = *AlertSink::Create(config, "web-1", *store_, clock_);
    server_ = std::make_unique<HttpServer>(HttpServerOptions{"127.0.0.1", 0, "s3cret"});
    RegisterAlertApi(*server_, *sink_);
    ASSERT_TRUE(server_->Start().ok());
  }
  HttpClientResponse Call(const std::string& method, const std::string& path, const std::string& body = "",
                          const std::string& token = "") {
    auto r = HttpCall(method, "127.0.0.1", server_->port(), path, body, token);
    EXPECT_TRUE(r.ok());
    return r.ok() ? *r : HttpClientResponse{};
  }

  FakeClock clock_{1700000000000};
  std::unique_ptr<Store> store_;
  std::unique_ptr<AlertSink> sink_;
  std::unique_ptr<HttpServer> server_;
};

TEST_F(AlertApiTest, SilencesNeedTheTokenAndSilenceOpenAlerts) {
  Analysis a;
  Finding f;
  f.id = 7;
  f.ts = clock_.Now();
  f.kind = FindingKind::kAnomaly;
  f.severity = Severity::kCritical;
  f.subject = "hostmind_load1";
  f.summary = "load high";
  a.findings = {f, f};
  sink_->Consume(Batch{}, a);
  auto active = nlohmann::json::parse(Call("GET", "/api/v1/alerts/active").body)["alerts"];
  ASSERT_EQ(active.size(), 1u);
  EXPECT_EQ(active[0]["count"], 2);
  EXPECT_EQ(active[0]["id"], 7);
  EXPECT_TRUE(active[0]["silenced_by"].is_null());

  std::string silence = R"({"matchers": [{"name": "subject", "value": "hostmind_load1"}], "ends_at": 1700003600000,
                            "created_by": "test"})";
  EXPECT_EQ(Call("POST", "/api/v1/silences", silence).status, 401);
  EXPECT_EQ(Call("POST", "/api/v1/silences", silence, "wrong").status, 401);
  EXPECT_EQ(Call("POST", "/api/v1/silences", R"({"matchers": []})", "s3cret").status, 400);
  auto created = Call("POST", "/api/v1/silences", silence, "s3cret");
  ASSERT_EQ(created.status, 201) << created.body;
  uint64_t id = nlohmann::json::parse(created.body)["id"];
  EXPECT_EQ(nlohmann::json::parse(Call("GET", "/api/v1/alerts/active").body)["alerts"][0]["silenced_by"], id);
  auto list = nlohmann::json::parse(Call("GET", "/api/v1/silences").body)["silences"];
  ASSERT_EQ(list.size(), 1u);
  EXPECT_TRUE(list[0]["active"].get<bool>());

  std::string path = "/api/v1/silences/" + std::to_string(id);
  EXPECT_EQ(Call("DELETE", path).status, 401);
  EXPECT_EQ(Call("DELETE", path, "", "nope").status, 401);
  EXPECT_EQ(Call("DELETE", path, "", "s3cret").status, 200);
  EXPECT_EQ(Call("DELETE", "/api/v1/silences/999", "", "s3cret").status, 404);
  EXPECT_TRUE(nlohmann::json::parse(Call("GET", "/api/v1/silences").body)["silences"].empty());
  EXPECT_EQ(nlohmann::json::parse(Call("GET", "/api/v1/silences?all=1").body)["silences"].size(), 1u);
  EXPECT_EQ(sink_->HealthJson()["deduplicated"], 1);
}

}  // namespace
}  // namespace hostmind
