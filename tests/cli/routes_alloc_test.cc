#include "cli/routes_alloc.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "serve/http_client.h"
#include "store/store.h"

namespace hostmind {
namespace {

// The audit routes over real HTTP, as the agent serves them (no controller: alloc is off).
class RoutesAllocTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = std::move(*Store::Open(":memory:"));
    audit_ = std::move(*ActionAudit::Open(*store_));
    server_ = std::make_unique<HttpServer>(HttpServerOptions{"127.0.0.1", 0, ""});
    RegisterAllocRoutes(*server_, audit_.get(), nullptr);
    ASSERT_TRUE(server_->Start().ok());
  }

  HttpClientResponse Get(const std::string& path) {
    auto r = HttpCall("GET", "127.0.0.1", server_->port(), path, "", "");
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return *r;
  }

  std::unique_ptr<Store> store_;
  std::unique_ptr<ActionAudit> audit_;
  std::unique_ptr<HttpServer> server_;
};

TEST_F(RoutesAllocTest, ListsAndExplainsOneActionById) {
  Action a;
  a.ts = 1704067200000;
  a.actuator = "alloc";
  a.mode = ActMode::kEnforce;
  a.status = ActionStatus::kApplied;
  a.target = "batch";
  a.knob = "cpu.max";
  a.old_value = "max 100000";
  a.new_value = "150000 100000";
  a.reason = "latency held under target: batch may use more CPU";
  a.inputs = {{"svc_p99_ms", "3.1"}};
  ASSERT_TRUE(audit_->Record(a).ok());
  ASSERT_GT(a.id, 0);

  auto list = nlohmann::json::parse(Get("/api/v1/actions?actuator=alloc").body);
  ASSERT_EQ(list["actions"].size(), 1u);

  auto one = Get("/api/v1/actions/" + std::to_string(a.id));
  ASSERT_EQ(one.status, 200) << one.body;
  auto j = nlohmann::json::parse(one.body);
  EXPECT_EQ(j["knob"], "cpu.max");
  EXPECT_FALSE(j["explanation"].get<std::string>().empty());

  auto missing = Get("/api/v1/actions/" + std::to_string(a.id + 1000));
  EXPECT_EQ(missing.status, 404);
  EXPECT_NE(missing.body.find("no action"), std::string::npos);
}

TEST_F(RoutesAllocTest, AllocIsOffWithoutAController) {
  auto j = nlohmann::json::parse(Get("/api/v1/alloc").body);
  EXPECT_EQ(j["mode"], "off");
}

}  // namespace
}  // namespace hostmind
