#pragma once
// The help text of every metric hostmind exports, registered by whoever produces the metric
// (collectors, analyzers) and read by the /metrics exposition. Thread-safe.
#include <string>
#include <string_view>

namespace hostmind {

void DescribeMetric(std::string_view name, std::string_view help);
// The registered help, or "" when nobody described `name`.
std::string MetricHelp(std::string_view name);

}  // namespace hostmind
