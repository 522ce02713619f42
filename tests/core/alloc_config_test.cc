#include <gtest/gtest.h>

#include "core/config.h"

namespace hostmind {
namespace {

TEST(AllocConfig, DefaultsObserveWithNoWorkloads) {
  auto c = ParseConfig("", "test");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->alloc.mode, "observe");
  EXPECT_TRUE(c->alloc.workloads.empty());
  EXPECT_EQ(c->alloc.interval_ms, 2000);
  EXPECT_TRUE(c->alloc.oom.enabled);
  EXPECT_EQ(c->alloc.oom.policy, "kill");
}

TEST(AllocConfig, ParsesWorkloads) {
  auto c = ParseConfig(
      "alloc:\n  mode: enforce\n  workloads:\n"
      "    - {name: web, path: /web, class: latency-critical, cpu_max: 1.5, memory_min: 64MiB, latency_target: 0.05}\n"
      "    - name: batch\n      cpu_min: 0.25\n      memory_max: 2GiB\n      latency_metric: 'x'\n",
      "user.yaml");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  ASSERT_EQ(c->alloc.workloads.size(), 2u);
  EXPECT_EQ(c->alloc.workloads[0].klass, "latency-critical");
  EXPECT_EQ(c->alloc.workloads[0].cpu_max, 1.5);
  EXPECT_EQ(c->alloc.workloads[0].memory_min, 64u << 20);
  EXPECT_EQ(c->alloc.workloads[1].klass, "batch");
  EXPECT_EQ(c->alloc.workloads[1].memory_max, 2ull << 30);
  EXPECT_EQ(c->alloc.workloads[1].path, "");
}

TEST(AllocConfig, BadValuesNameTheKey) {
  struct Case {
    const char* yaml;
    const char* expected;
  } cases[] = {
      {"alloc:\n  mode: yolo\n", "alloc.mode"},
      {"alloc:\n  workloads:\n    - {name: a, class: urgent}\n", "alloc.workloads[0].class"},
      {"alloc:\n  workloads:\n    - {class: batch}\n", "every workload needs a name"},
      {"alloc:\n  workloads:\n    - {name: a, cpu_min: 2, cpu_max: 1}\n", "cpu_max is below cpu_min"},
      {"alloc:\n  workloads:\n    - {name: a, memory_max: lots}\n", "alloc.workloads[0].memory_max: expected a size like"},
      {"alloc:\n  workloads:\n    - {name: a, colour: red}\n", "unknown key 'alloc.workloads[0].colour'"},
      {"alloc:\n  workloads: {name: a}\n", "alloc.workloads: expected a list"},
      {"alloc:\n  oom:\n    policy: pray\n", "alloc.oom.policy"},
      {"alloc:\n  max_step: 3\n", "alloc.max_step: expected a number in [0.01"},
  };
  for (const auto& c : cases) {
    auto r = ParseConfig(c.yaml, "user.yaml");
    ASSERT_FALSE(r.ok()) << c.yaml;
    EXPECT_NE(r.status().message().find(c.expected), std::string::npos) << r.status().message();
  }
}

}  // namespace
}  // namespace hostmind
