#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "core/metric_catalog.h"
#include "serve/core_api.h"
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
  void Serve(const std::string& token) {
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
    server_ = std::make_unique<HttpServer>(HttpServerOptions{"127.0.0.1", 0, token});
    server_->Post("/api/v1/echo", [](const HttpRequest& r) { return HttpResponse::Json({{"body", r.body}}); });
    CoreApiContext ctx{&pipeline_, &series_, store_.get(), &clock_, "testhost", 0, nullptr};
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
}

TEST_F(ApiTest, WritesNeedTheTokenWhenOneIsSet) {
  Serve("s3cret");
  EXPECT_EQ(Call("POST", "/api/v1/echo")->status, 401);
  EXPECT_EQ(Call("POST", "/api/v1/echo", "wrong")->status, 401);
  EXPECT_EQ(Call("POST", "/api/v1/echo", "s3cret")->status, 200);
  // Reads work without a token, and refuse a wrong one.
  EXPECT_EQ(Call("GET", "/api/v1/health")->status, 200);
  EXPECT_EQ(Call("GET", "/api/v1/health", "wrong")->status, 401);
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
