// Silences, the durable outbox and the delivery worker's retries.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "alert/delivery.h"
#include "alert/silences.h"
#include "alert/targets.h"
#include "serve/http_server.h"
#include "test_util.h"

namespace hostmind {
namespace {

using namespace std::chrono_literals;
constexpr TimeMs kT0 = 1700000000000;

template <typename Pred>
bool Eventually(Pred pred, std::chrono::milliseconds timeout = 5s) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (pred()) return true;
    std::this_thread::sleep_for(5ms);
  }
  return pred();
}

TEST(Silences, MatchLikeAlertmanagerAndPersist) {
  testing::TempDir dir;
  std::string db = dir.path() + "/state.db";
  uint64_t id = 0;
  {
    auto store = *std::move(Store::Open(db));
    auto book = *std::move(SilenceBook::Open(*store));
    auto s = SilenceFromJson(nlohmann::json::parse(R"({"matchers": [{"name": "kind", "value": "anomaly"},
        {"name": "subject", "value": "hostmind_cpu.*", "regex": true}], "ends_at": 1700000600000, "comment": "deploy"})"), kT0);
    ASSERT_TRUE(s.ok()) << s.status().message();
    auto added = book->Add(*s);
    ASSERT_TRUE(added.ok());
    id = added->id;
    EXPECT_EQ(book->Silencing({{"kind", "anomaly"}, {"subject", "hostmind_cpu_utilization_ratio"}}, kT0), id);
    EXPECT_FALSE(book->Silencing({{"kind", "anomaly"}, {"subject", "x_hostmind_cpu"}}, kT0));  // anchored
    EXPECT_FALSE(book->Silencing({{"kind", "forecast"}, {"subject", "hostmind_cpu"}}, kT0));
    EXPECT_FALSE(book->Silencing({{"kind", "anomaly"}, {"subject", "hostmind_cpu"}}, kT0 + 600000));  // ended
  }
  auto store = *std::move(Store::Open(db));
  auto book = *std::move(SilenceBook::Open(*store));
  ASSERT_EQ(book->List(kT0).size(), 1u);
  EXPECT_EQ(book->List(kT0)[0].comment, "deploy");
  EXPECT_TRUE(book->Silencing({{"kind", "anomaly"}, {"subject", "hostmind_cpu"}}, kT0));
  ASSERT_TRUE(book->Expire(id, kT0 + 1000).ok());
  EXPECT_FALSE(book->Silencing({{"kind", "anomaly"}, {"subject", "hostmind_cpu"}}, kT0 + 2000));
  EXPECT_TRUE(book->List(kT0 + 2000).empty());
  EXPECT_EQ(book->List(kT0 + 2000, true).size(), 1u);
  EXPECT_EQ(book->Expire(99, kT0).code(), StatusCode::kNotFound);
}

TEST(Silences, RefuseWhatWouldSilenceTooMuchOrCannotWork) {
  EXPECT_FALSE(SilenceFromJson(nlohmann::json::parse(R"({"matchers": [], "ends_at": 1700000600000})"), kT0).ok());
  EXPECT_FALSE(SilenceFromJson(nlohmann::json::parse(R"({"matchers": [{"name": "kind", "value": "x"}]})"), kT0).ok());
  EXPECT_FALSE(SilenceFromJson(nlohmann::json::parse(R"({"matchers": [{"name": "kind", "value": "x"}], "ends_at": 5})"), kT0).ok());
  auto store = *std::move(Store::Open(":memory:"));
  auto book = *std::move(SilenceBook::Open(*store));
  Status bad = book->Add(Silence{0, {{"subject", "([", true, true}}, kT0, kT0 + 1000, "", ""}).status();
  EXPECT_EQ(bad.code(), StatusCode::kInvalidArgument);
}

TEST(Outbox, KeepsOrderIsBoundedAndSurvivesARestart) {
  testing::TempDir dir;
  std::string db = dir.path() + "/state.db";
  {
    auto store = *std::move(Store::Open(db));
    auto box = *Outbox::Open(*store, "webhook a", 3);
    auto other = *Outbox::Open(*store, "nats b", 3);
    for (int i = 0; i < 5; ++i) ASSERT_TRUE(box.Push("n" + std::to_string(i), kT0 + i).ok());
    ASSERT_TRUE(other.Push("x", kT0).ok());
    EXPECT_EQ(box.size(), 3u);
    EXPECT_EQ(box.dropped(), 2u);  // the oldest two
    auto head = *box.Peek(2);
    ASSERT_EQ(head.size(), 2u);
    EXPECT_EQ(head[0].payload, "n2");
    ASSERT_TRUE(box.CountAttempt(head).ok());
  }
  auto store = *std::move(Store::Open(db));
  auto box = *Outbox::Open(*store, "webhook a", 3);
  auto all = *box.Peek(10);
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0].payload, "n2");
  EXPECT_EQ(all[0].attempts, 1);
  EXPECT_EQ(all[2].payload, "n4");
  ASSERT_TRUE(box.Ack({all[0], all[1]}).ok());
  EXPECT_EQ((*box.Peek(10))[0].payload, "n4");
  EXPECT_EQ((*Outbox::Open(*store, "nats b", 3)).size(), 1u);
}

TEST(RetryPolicy, BacksOffExponentiallyUpToTheCap) {
  RetryPolicy p{1000, 60000};
  EXPECT_EQ(p.Backoff(1, 1.0), 1000);
  EXPECT_EQ(p.Backoff(2, 1.0), 2000);
  EXPECT_EQ(p.Backoff(5, 1.0), 16000);
  EXPECT_EQ(p.Backoff(7, 1.0), 60000);
  EXPECT_EQ(p.Backoff(1000, 1.0), 60000);
  EXPECT_EQ(p.Backoff(2, 0.8), 1600);
}

// A target that fails while `down` and records what it received.
class FlakyTarget final : public AlertTarget {
 public:
  FlakyTarget(std::atomic<bool>& down, std::vector<std::string>& got, std::mutex& mu) : down_(down), got_(got), mu_(mu) {}
  const std::string& name() const override { return name_; }
  std::string Format(const Alert& a) const override { return a.finding.summary; }
  Status Send(const std::vector<std::string>& payloads) override {
    if (down_) return Status::Unavailable("peer down");
    std::lock_guard lock(mu_);
    got_.insert(got_.end(), payloads.begin(), payloads.end());
    return Status::Ok();
  }
  size_t max_batch() const override { return 2; }

 private:
  std::string name_ = "flaky";
  std::atomic<bool>& down_;
  std::vector<std::string>& got_;
  std::mutex& mu_;
};

Alert Named(const std::string& summary) {
  Alert a;
  a.finding.summary = summary;
  return a;
}

TEST(DeliveryWorker, RetriesWithBackoffAndDeliversTheBacklogInOrderAfterARestart) {
  testing::TempDir dir;
  std::string db = dir.path() + "/state.db";
  std::atomic<bool> down{true};
  std::vector<std::string> got;
  std::mutex mu;
  {
    auto store = *std::move(Store::Open(db));
    DeliveryWorker w(std::make_unique<FlakyTarget>(down, got, mu), *Outbox::Open(*store, "flaky", 100), RetryPolicy{20, 50});
    w.Start();
    for (int i = 0; i < 3; ++i) ASSERT_TRUE(w.Enqueue(Named("a" + std::to_string(i)), kT0).ok());
    ASSERT_TRUE(Eventually([&] { return w.Report()["failed"].get<int>() >= 3; }));
    auto report = w.Report();
    EXPECT_EQ(report["state"], "retrying");
    EXPECT_EQ(report["queued"], 3);
    EXPECT_EQ(report["last_error"], "peer down");
    w.Stop();  // the agent stops mid-outage
  }
  {
    auto store = *std::move(Store::Open(db));
    DeliveryWorker w(std::make_unique<FlakyTarget>(down, got, mu), *Outbox::Open(*store, "flaky", 100), RetryPolicy{20, 50});
    w.Start();
    ASSERT_TRUE(w.Enqueue(Named("b0"), kT0).ok());
    std::this_thread::sleep_for(30ms);
    down = false;  // the peer comes back
    ASSERT_TRUE(Eventually([&] { return w.Report()["delivered"].get<int>() == 4; })) << w.Report().dump();
    EXPECT_EQ(w.Report()["state"], "ok");
    EXPECT_EQ(w.Report()["queued"], 0);
  }
  std::lock_guard lock(mu);
  EXPECT_EQ(got, (std::vector<std::string>{"a0", "a1", "a2", "b0"}));
}

TEST(WebhookTarget, PostsAlertmanagerListsAndTreatsErrorsAsRetryable) {
  HttpServer receiver(HttpServerOptions{"127.0.0.1", 0, ""});
  std::mutex mu;
  std::vector<nlohmann::json> bodies;
  std::atomic<int> status{500};
  receiver.Post("/api/v2/alerts", [&](const HttpRequest& req) {
    std::lock_guard lock(mu);
    bodies.push_back(nlohmann::json::parse(req.body));
    return HttpResponse::Json({}, status);
  });
  ASSERT_TRUE(receiver.Start().ok());
  std::string url = "http://127.0.0.1:" + std::to_string(receiver.port()) + "/api/v2/alerts";
  WebhookTarget target(url, 2000, 900000, "");
  Alert a;
  a.host = "h";
  a.finding.kind = FindingKind::kAnomaly;
  a.finding.severity = Severity::kWarning;
  a.finding.summary = "cpu odd";
  a.starts_at = a.last_seen = kT0;
  Status failed = target.Send({target.Format(a), target.Format(a)});
  EXPECT_EQ(failed.code(), StatusCode::kUnavailable);
  EXPECT_NE(failed.message().find("HTTP 500"), std::string::npos);
  status = 200;
  ASSERT_TRUE(target.Send({target.Format(a)}).ok());
  std::lock_guard lock(mu);
  ASSERT_EQ(bodies.size(), 2u);
  ASSERT_TRUE(bodies[0].is_array());
  EXPECT_EQ(bodies[0].size(), 2u);
  EXPECT_EQ(bodies[1][0]["labels"]["alertname"], "hostmind_anomaly");
  EXPECT_FALSE(bodies[1][0]["labels"].contains("subject"));  // empty labels are left out
  // Nobody listening is an outage, not a crash.
  WebhookTarget nowhere("http://127.0.0.1:1/x", 500, 900000, "");
  EXPECT_EQ(nowhere.Send({target.Format(a)}).code(), StatusCode::kUnavailable);
  EXPECT_EQ(WebhookTarget("http://user:pw@h/x", 500, 1, "").name(), "webhook http://***@h/x");
}

TEST(NatsSubjects, HostNamesCannotBreakTheSubject) {
  EXPECT_EQ(NatsSubjectBase("hostmind", "web-1.example.com"), "hostmind.web-1_example_com");
  EXPECT_EQ(NatsSubjectBase("hm", "a b*>"), "hm.a_b__");
  EXPECT_EQ(NatsSubjectBase("hm", ""), "hm.unknown");
}

}  // namespace
}  // namespace hostmind
