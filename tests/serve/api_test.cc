#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "core/metric_catalog.h"
#include "serve/core_api.h"
#include "serve/finding_inbox.h"
#include "serve/http_client.h"
#include "serve/metrics_exposition.h"
#include "store/store_sink.h"

namespace hostmind {
namespace {

TEST(Metrics, GroupsByNameWithHelpAndType) {
  DescribeMetric("t_bytes", "Bytes, with a \\ backslash\nand newline.");
  std::vector<SeriesTable::Latest> s = {
      {SeriesKey("t_bytes", {{"dev", "b"}}), MetricKind::kGauge, 2.5, 1},
      {SeriesKey("a_total"), MetricKind::kCounter, 10, 1},
      {SeriesKey("t_bytes", {{"dev", "a"}}), MetricKind::kGauge, 1e21, 1},
  };
  std::string text = RenderMetrics(s);
  EXPECT_EQ(text,
            "# HELP a_total hostmind series a_total\n# TYPE a_total counter\na_total 10\n"
            "# HELP t_bytes Bytes, with a \\\\ backslash\\nand newline.\n# TYPE t_bytes gauge\n"
            "t_bytes{dev=\"b\"} 2.5\nt_bytes{dev=\"a\"} 1e+21\n");
  EXPECT_EQ(FormatMetricValue(std::nan("")), "NaN");
  EXPECT_EQ(FormatMetricValue(-INFINITY), "-Inf");
  EXPECT_EQ(FormatMetricValue(0.1), "0.1");
}

class ValueCollector : public Collector {
 public:
  const std::string& name() const override { return name_; }
  Status Collect(CollectContext& ctx) override {
    ctx.out().Gauge(SeriesKey("hostmind_test_value", {{"k", "v"}}), 42);
    ctx.out().events.push_back(Event{ctx.now(), LogRecord{LogSource::kFile, "/var/log/x", 6, 0, "hello"}});
    return Status::Ok();
  }

 private:
  std::string name_ = "value";
};

class ApiTest : public ::testing::Test {
 protected:
  void Serve(const std::string& token, bool token_for_reads = false) {
    store_ = *std::move(Store::Open(":memory:"));
    sink_ = std::make_unique<StoreSink>(*store_, series_, StoreConfig{600000, 60000, kMsPerDay});
    pipeline_.AddCollector(std::make_unique<ValueCollector>(), 1000);
    pipeline_.AddSink(sink_.get());
    Batch b = pipeline_.RunCollector(0, env_, clock_.Now());
    Analysis a;
    Finding f;
    f.ts = clock_.Now();
    f.severity = Severity::kWarning;
    f.summary = "test alert";
    a.findings.push_back(f);
    sink_->Consume(b, a);
    server_ = std::make_unique<HttpServer>(HttpServerOptions{"127.0.0.1", 0, token, token_for_reads});
    server_->Post("/api/v1/echo", [](const HttpRequest& r) { return HttpResponse::Json({{"body", r.body}}); });
    CoreApiContext ctx{&pipeline_, &series_, store_.get(), &clock_, "testhost", 0, {}, {}};
    ctx.health_extensions.push_back([](nlohmann::json& h) { h["actors"].push_back({{"name", "tester"}, {"mode", "observe"}}); });
    ctx.series_annotators.push_back([](const std::string& id, TimeMs, nlohmann::json& out) {
      if (id == "hostmind_test_value{k=\"v\"}") out["band"] = {{1700000000000, 40, 44}};
    });
    RegisterCoreApi(*server_, ctx);
    ASSERT_TRUE(server_->Start().ok());
  }
  Result<HttpClientResponse> Call(const std::string& method, const std::string& path, const std::string& token = "") {
    return HttpCall(method, "127.0.0.1", server_->port(), path, "{}", token);
  }
  nlohmann::json GetJson(const std::string& path) {
    auto r = Call("GET", path);
    EXPECT_TRUE(r.ok());
    EXPECT_EQ(r->status, 200) << path << ": " << r->body;
    return nlohmann::json::parse(r->body);
  }

  MemoryHostEnv env_;
  FakeClock clock_{1700000000000};
  Pipeline pipeline_{env_, clock_};
  SeriesTable series_{600000};
  std::unique_ptr<Store> store_;
  std::unique_ptr<StoreSink> sink_;
  std::unique_ptr<HttpServer> server_;
};

TEST_F(ApiTest, EndpointsServeRealData) {
  Serve("");
  auto metrics = Call("GET", "/metrics");
  ASSERT_TRUE(metrics.ok());
  EXPECT_NE(metrics->body.find("hostmind_test_value{k=\"v\"} 42\n"), std::string::npos);
  EXPECT_NE(metrics->body.find("hostmind_collector_up{collector=\"value\"} 1\n"), std::string::npos);

  auto health = GetJson("/api/v1/health");
  EXPECT_EQ(health["status"], "ok");
  EXPECT_EQ(health["hostname"], "testhost");
  EXPECT_EQ(health["collectors"][0]["name"], "value");

  auto list = GetJson("/api/v1/series?match=test_value");
  ASSERT_EQ(list["series"].size(), 1u);
  EXPECT_EQ(list["series"][0]["labels"]["k"], "v");
  auto points = GetJson("/api/v1/series?id=hostmind_test_value%7Bk%3D%22v%22%7D");
  EXPECT_EQ(points["points"][0][1], 42);
  EXPECT_EQ(points["band"][0][2], 44);  // from the annotator
  EXPECT_EQ(health["actors"][0]["name"], "tester");

  auto events = GetJson("/api/v1/events?type=log");
  ASSERT_EQ(events["events"].size(), 1u);
  EXPECT_EQ(events["events"][0]["message"], "hello");

  auto alerts = GetJson("/api/v1/alerts");
  ASSERT_EQ(alerts["alerts"].size(), 1u);
  uint64_t id = alerts["alerts"][0]["id"];
  EXPECT_EQ(GetJson("/api/v1/findings/" + std::to_string(id))["summary"], "test alert");

  EXPECT_EQ(Call("GET", "/api/v1/findings/999")->status, 404);
  EXPECT_EQ(Call("GET", "/api/v1/events?limit=-3")->status, 400);
  EXPECT_EQ(Call("GET", "/api/v1/series?id=nope")->status, 404);
  EXPECT_NE(Call("GET", "/")->body.find("hostmind"), std::string::npos);

  // The route index lists what this agent serves.
  auto index = GetJson("/api/v1");
  bool has_alerts = false;
  for (const auto& r : index["routes"]) has_alerts |= r["pattern"] == "/api/v1/alerts" && r["method"] == "GET";
  EXPECT_TRUE(has_alerts) << index.dump();
}

TEST_F(ApiTest, DashboardIsEmbeddedCachedAndLockedToItsOrigin) {
  Serve("");
  auto page = Call("GET", "/");
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->status, 200);
  EXPECT_NE(page->body.find("assets/app.js"), std::string::npos);
  EXPECT_EQ(page->headers.at("Content-Type"), "text/html; charset=utf-8");
  EXPECT_NE(page->headers.at("Content-Security-Policy").find("connect-src 'self'"), std::string::npos);
  // Every asset the page names is served by the agent itself, and revalidates by ETag.
  for (const char* asset : {"app.js", "chart.js", "explain.js", "sections.js", "style.css", "favicon.svg"}) {
    auto r = Call("GET", std::string("/assets/") + asset);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->status, 200) << asset;
    EXPECT_NE(page->body.find(std::string("assets/") + asset), std::string::npos) << asset;
    std::string etag = r->headers.at("ETag");
    auto again = HttpCall("GET", "127.0.0.1", server_->port(), std::string("/assets/") + asset, "", "", {{"If-None-Match", etag}});
    ASSERT_TRUE(again.ok());
    EXPECT_EQ(again->status, 304) << asset;
    EXPECT_TRUE(again->body.empty());
  }
  // Nothing in the page or its scripts reaches beyond this agent.
  for (const char* asset : {"/", "/assets/app.js", "/assets/chart.js", "/assets/explain.js", "/assets/sections.js", "/assets/style.css"}) {
    std::string body = Call("GET", asset)->body;
    EXPECT_EQ(body.find("https://"), std::string::npos) << asset;
    EXPECT_EQ(body.find("//cdn"), std::string::npos) << asset;
  }
  EXPECT_EQ(Call("GET", "/assets/nope.js")->status, 404);
}

TEST_F(ApiTest, PostedFindingsEnterThePipelineAndAreMarkedAsReported) {
  Serve("");
  FindingInbox inbox;
  RegisterFindingInbox(*server_, inbox, clock_);
  auto post = [&](const std::string& body) { return HttpCall("POST", "127.0.0.1", server_->port(), "/api/v1/findings", body); };
  EXPECT_EQ(post("[]")->status, 400);
  EXPECT_EQ(post(R"({"kind": "anomaly", "severity": "warning"})")->status, 400);  // no summary
  EXPECT_EQ(post(R"({"kind": "nonsense", "severity": "warning", "summary": "x"})")->status, 400);
  auto ok = post(R"({"kind": "anomaly", "severity": "critical", "summary": "load spiked", "subject": "hostmind_load1",
                     "evidence": [{"subject": "hostmind_load1", "score": 0.9, "detail": "value 9, normal 0-2"}],
                     "facts": {"view": "value"}})");
  ASSERT_EQ(ok->status, 202) << ok->body;
  Analysis a;
  inbox.Analyze(Batch{}, a);
  ASSERT_EQ(a.findings.size(), 1u);
  sink_->Consume(Batch{}, a);
  ASSERT_GT(a.findings[0].id, 0u);
  auto f = GetJson("/api/v1/findings/" + std::to_string(a.findings[0].id));
  EXPECT_EQ(f["summary"], "load spiked");
  EXPECT_EQ(f["severity"], "critical");
  EXPECT_EQ(f["ts"], clock_.Now());
  EXPECT_EQ(f["evidence"][0]["detail"], "value 9, normal 0-2");
  EXPECT_EQ(f["facts"]["source"], "api");
  EXPECT_EQ(f["facts"]["view"], "value");
}

TEST_F(ApiTest, WritesNeedTheTokenWhenOneIsSet) {
  Serve("s3cret");
  EXPECT_EQ(Call("POST", "/api/v1/echo")->status, 401);
  EXPECT_EQ(Call("POST", "/api/v1/echo", "wrong")->status, 401);
  EXPECT_EQ(Call("POST", "/api/v1/echo", "s3cret")->status, 200);
  EXPECT_EQ(Call("DELETE", "/api/v1/echo", "s3cret")->status, 404);  // no such route: the token is fine
  // Reads work without a token, and refuse a wrong one.
  EXPECT_EQ(Call("GET", "/api/v1/health")->status, 200);
  EXPECT_EQ(Call("GET", "/api/v1/health", "wrong")->status, 401);
  EXPECT_EQ(Call("GET", "/api/v1/health", "s3cret")->status, 200);
  EXPECT_EQ(Call("GET", "/api/v1/health", "s3cre")->status, 401);   // a prefix is not the token
  EXPECT_EQ(Call("GET", "/api/v1/health", "s3cret2")->status, 401);
  EXPECT_EQ(Call("POST", "/api/v1/echo", "S3CRET")->status, 401);
}

TEST_F(ApiTest, TokenForReadsGuardsEveryReadButTheDashboardCode) {
  Serve("s3cret", /*token_for_reads=*/true);
  for (const char* path : {"/api/v1/health", "/api/v1/alerts", "/metrics", "/api/v1", "/api/v1/series"}) {
    EXPECT_EQ(Call("GET", path)->status, 401) << path;
    EXPECT_EQ(Call("GET", path, "wrong")->status, 401) << path;
    EXPECT_EQ(Call("GET", path, "s3cret")->status, 200) << path;
  }
  // The page and its scripts hold no data: they load, then ask for the token.
  EXPECT_EQ(Call("GET", "/")->status, 200);
  EXPECT_EQ(Call("GET", "/assets/app.js")->status, 200);
  EXPECT_EQ(Call("POST", "/api/v1/echo")->status, 401);
}

TEST_F(ApiTest, BrowsersOnOtherOriginsCannotDriveALoopbackAgent) {
  Serve("");  // loopback without a token: writes are open to local processes, not to web pages
  int port = server_->port();
  std::string self = "127.0.0.1:" + std::to_string(port);
  auto call = [&](const std::string& method, const std::vector<std::pair<std::string, std::string>>& headers) {
    return HttpCall(method, "127.0.0.1", port, method == "GET" ? "/api/v1/health" : "/api/v1/echo", "{}", "", headers)->status;
  };
  EXPECT_EQ(call("POST", {}), 200);                                          // curl, the CLI
  EXPECT_EQ(call("POST", {{"Origin", "http://" + self}}), 200);              // the dashboard itself
  EXPECT_EQ(call("POST", {{"Origin", "http://evil.example"}}), 403);         // CSRF
  EXPECT_EQ(call("POST", {{"Origin", "null"}}), 403);
  EXPECT_EQ(call("GET", {{"Host", "evil.example:" + std::to_string(port)}}), 403);  // DNS rebinding
  EXPECT_EQ(call("GET", {{"Host", "localhost:" + std::to_string(port)}}), 200);
}

TEST(HttpServer, NonLoopbackWithoutTokenRefusesToStart) {
  HttpServer server(HttpServerOptions{"0.0.0.0", 0, ""});
  Status s = server.Start();
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("http.token"), std::string::npos);
}

TEST(HttpClient, NoAgentIsAClearError) {
  auto r = HttpCall("GET", "127.0.0.1", 1, "/api/v1/health");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("hostmind run"), std::string::npos);
}

}  // namespace
}  // namespace hostmind
