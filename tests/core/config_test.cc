#include "core/config.h"

#include <gtest/gtest.h>

#include <fstream>
#include <regex>
#include <sstream>

#include "test_util.h"

namespace hostmind {
namespace {

TEST(Config, EmbeddedDefaultsLoad) {
  auto c = ParseConfig("", "test");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->http.port, 9464);
  EXPECT_EQ(c->http.listen, "127.0.0.1");
  EXPECT_EQ(c->agent.state_dir, "./var");
  EXPECT_EQ(c->collect.interval_ms, 1000);
  EXPECT_EQ(c->collect.IntervalOf("filesystems"), 10000);
  EXPECT_EQ(c->collect.IntervalOf("cpu"), 1000);
  EXPECT_TRUE(c->collect.Enabled("journal"));
  EXPECT_EQ(c->sched_hints.interval_ms, 500);
  EXPECT_EQ(c->prefetch.predict_interval_ms, 5000);
}

TEST(Config, UserFileOverridesOnlyWhatItNames) {
  auto c = ParseConfig("http:\n  port: 9999\ncollect:\n  collectors:\n    cpu: {interval: 250ms}\n", "user.yaml");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->http.port, 9999);
  EXPECT_EQ(c->http.listen, "127.0.0.1");
  EXPECT_EQ(c->collect.IntervalOf("cpu"), 250);
  EXPECT_EQ(c->collect.IntervalOf("filesystems"), 10000);
}

struct BadConfigCase {
  const char* yaml;
  const char* expected;  // substring of the error message
};

class BadConfig : public ::testing::TestWithParam<BadConfigCase> {};

TEST_P(BadConfig, IsAClearErrorNamingKeyAndLine) {
  auto c = ParseConfig(GetParam().yaml, "user.yaml");
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(c.status().message().find(GetParam().expected), std::string::npos) << c.status().message();
}

INSTANTIATE_TEST_SUITE_P(
    Cases, BadConfig,
    ::testing::Values(BadConfigCase{"http:\n  port: 9464\n  prot: 1\n", "user.yaml:3: unknown key 'http.prot'"},
                      BadConfigCase{"bogus: 1\n", "user.yaml:1: unknown key 'bogus'"},
                      BadConfigCase{"http:\n  port: seventy\n", "user.yaml:2: http.port: expected an integer"},
                      BadConfigCase{"http:\n  port: 70000\n", "http.port: expected an integer in [0, 65535]"},
                      BadConfigCase{"collect:\n  interval: fast\n", "user.yaml:2: collect.interval: expected a positive duration"},
                      BadConfigCase{"collect:\n  collectors:\n    gpu: {enabled: true}\n", "unknown collector 'gpu'"},
                      BadConfigCase{"collect:\n  collectors:\n    cpu: {enabeld: true}\n", "unknown key 'collect.collectors.cpu.enabeld'"},
                      BadConfigCase{"collect:\n  collectors:\n    cpu: {enabled: maybe}\n", "expected true or false, got 'maybe'"},
                      BadConfigCase{"agent:\n  log_level: loud\n", "agent.log_level"},
                      BadConfigCase{"http: [1, 2\n", "user.yaml:"},
                      BadConfigCase{"http: 3\n", "expected a mapping"},
                      BadConfigCase{"sched_hints:\n  interval: 0s\n", "sched_hints.interval"},
                      BadConfigCase{"prefetch:\n  predict_interval: 10ms\n", "prefetch.predict_interval"}));

TEST(Config, MissingFileIsNotFound) {
  auto c = LoadConfig("/nonexistent/hostmind.yaml");
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), StatusCode::kNotFound);
}

TEST(Config, DurationsAndSizes) {
  EXPECT_EQ(*ParseDuration("500ms"), 500);
  EXPECT_EQ(*ParseDuration("1.5s"), 1500);
  EXPECT_EQ(*ParseDuration("2h"), 7200000);
  EXPECT_EQ(*ParseDuration("7d"), 7 * kMsPerDay);
  EXPECT_FALSE(ParseDuration("7 weeks").ok());
  EXPECT_FALSE(ParseDuration("").ok());
  EXPECT_EQ(*ParseSize("64MiB"), 64u << 20);
  EXPECT_EQ(*ParseSize("1G"), 1000000000u);
  EXPECT_EQ(*ParseSize("4096"), 4096u);
  EXPECT_FALSE(ParseSize("12 parsecs").ok());
}

// docs/CONFIG.md must name every key of the embedded defaults.
TEST(Config, EveryDefaultKeyIsDocumented) {
  std::string doc = testing::ReadWholeFile(std::string(HOSTMIND_SOURCE_DIR) + "/docs/CONFIG.md");
  ASSERT_FALSE(doc.empty());
  std::istringstream yaml(DefaultConfigYaml());
  std::vector<std::string> stack;
  std::regex key_re(R"(^(\s*)([a-z_0-9]+):)");
  for (std::string line; std::getline(yaml, line);) {
    std::smatch m;
    if (!std::regex_search(line, m, key_re)) continue;
    size_t depth = m[1].length() / 2;
    stack.resize(depth);
    stack.push_back(m[2]);
    std::string dotted;
    for (const auto& part : stack) dotted += (dotted.empty() ? "" : ".") + part;
    EXPECT_NE(doc.find("`" + dotted + "`"), std::string::npos) << dotted << " is not in docs/CONFIG.md";
  }
}

}  // namespace
}  // namespace hostmind
