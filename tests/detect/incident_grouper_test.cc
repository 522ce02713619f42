#include "detect/incident_grouper.h"

#include <gtest/gtest.h>

#include <cmath>

namespace hostmind {
namespace {

TEST(IncidentGrouperTest, ClosesAfterAQuietWindow) {
  IncidentGrouper g(2 * kMsPerMinute, 10);
  EXPECT_TRUE(g.Add({1000, "a", 0.5, "value", 1, 0, 0.5, {}}).empty());
  EXPECT_TRUE(g.Add({61000, "b", 0.9, "mean", 2, 0, 1, {}}).empty());
  EXPECT_TRUE(g.Add({62000, "a", 0.7, "value", 3, 0, 1, {}}).empty());  // a again: keeps its strongest
  ASSERT_NE(g.open(), nullptr);
  EXPECT_EQ(g.open()->members.size(), 2u);
  EXPECT_TRUE(g.Tick(62000 + 2 * kMsPerMinute).empty());
  auto closed = g.Tick(62001 + 2 * kMsPerMinute);
  ASSERT_EQ(closed.size(), 1u);
  EXPECT_EQ(closed[0].members[0].series, "b");
  EXPECT_EQ(closed[0].members[1].score, 0.7);
  EXPECT_EQ(g.open(), nullptr);
}

TEST(IncidentGrouperTest, SurpriseIsThePoissonTail) {
  EXPECT_NEAR(IncidentSurprise(0, 2.0), 1.0, 1e-12);
  EXPECT_NEAR(IncidentSurprise(1, 2.0), 1 - std::exp(-2.0), 1e-12);
  EXPECT_NEAR(IncidentSurprise(3, 0.1), 1.546e-4, 1e-6);  // 1 - e^-0.1 (1 + 0.1 + 0.005)
  // Three series at once is an alert on a quiet host, not on a noisy one.
  Incident i;
  i.members.resize(3);
  EXPECT_EQ(IncidentFinding(i, 0.05).severity, Severity::kWarning);
  EXPECT_EQ(IncidentFinding(i, 2.0).severity, Severity::kInfo);
}

TEST(IncidentGrouperTest, DescribesOnsetsInTheSeriesUnits) {
  const AnomalyOnset o{0, "hostmind_cpu_utilization_ratio", 0.9, "mean", 0.97, 0.05, 0.4, {}};
  EXPECT_EQ(DescribeOnset(o), "short-term mean 0.97, normal 0.05 to 0.4");
  const AnomalyOnset r{0, "hostmind_disk_busy_ratio", 0.9, "recent", 0.8, 0.45, 0.55, {}};
  EXPECT_EQ(DescribeOnset(r), "mean of the last few values, against the last hours, 0.8, normal 0.45 to 0.55");
  const AnomalyOnset c{0, "hostmind_anomaly_correlation_residual", 0.9, "correlation", 40, 0, 12, "most off: a b"};
  EXPECT_EQ(DescribeOnset(c), "the host's core metrics off their learned relation by 40, normal 0 to 12; most off: a b");
  const Finding f = AnomalyFinding(o);
  EXPECT_EQ(f.kind, FindingKind::kAnomaly);
  EXPECT_EQ(f.summary, "hostmind_cpu_utilization_ratio is anomalous: short-term mean 0.97, normal 0.05 to 0.4");
}

}  // namespace
}  // namespace hostmind
