#include <gtest/gtest.h>

#include "core/config.h"

namespace hostmind {
namespace {

TEST(SecurityConfigTest, DefaultsAndOverrides) {
  auto c = ParseConfig("", "empty");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_TRUE(c->security.sensor_enabled);
  EXPECT_FALSE(c->security.syscall_results);
  EXPECT_EQ(c->security.ring_buffer_bytes, 2u << 20);
  EXPECT_EQ(c->security.open_prefixes.front(), "/etc/");
  EXPECT_FALSE(c->security.allow_actions);
  EXPECT_EQ(c->security.learning_window_ms, kMsPerHour);
  auto o = ParseConfig("security:\n  rules:\n    files: [/etc/hostmind/local.yaml]\n    allow_actions: true\n"
                       "  behaviour:\n    learning_window: 2d\n", "user.yaml");
  ASSERT_TRUE(o.ok()) << o.status().ToString();
  EXPECT_EQ(o->security.rule_files, std::vector<std::string>{"/etc/hostmind/local.yaml"});
  EXPECT_TRUE(o->security.allow_actions);
  EXPECT_EQ(o->security.learning_window_ms, 2 * kMsPerDay);
}

TEST(SecurityConfigTest, BadValuesNameTheKey) {
  auto rb = ParseConfig("security:\n  sensor:\n    ring_buffer: 3MiB\n", "u.yaml");
  ASSERT_FALSE(rb.ok());
  EXPECT_NE(rb.status().message().find("security.sensor.ring_buffer: must be a power of two"), std::string::npos)
      << rb.status().message();
  auto d = ParseConfig("security:\n  behaviour:\n    min_distance: 2\n", "u.yaml");
  ASSERT_FALSE(d.ok());
  EXPECT_NE(d.status().message().find("u.yaml:3: security.behaviour.min_distance"), std::string::npos) << d.status().message();
  auto k = ParseConfig("security:\n  rules:\n    nope: 1\n", "u.yaml");
  ASSERT_FALSE(k.ok());
  EXPECT_NE(k.status().message().find("unknown key 'security.rules.nope'"), std::string::npos);
}

}  // namespace
}  // namespace hostmind
