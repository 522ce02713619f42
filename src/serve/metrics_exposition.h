#pragma once
// The Prometheus text exposition format (version 0.0.4) of the live series: one HELP and TYPE
// per metric name, then its series. Clean under `promtool check metrics`.
#include <string>
#include <vector>

#include "store/series_table.h"

namespace hostmind {

std::string RenderMetrics(const std::vector<SeriesTable::Latest>& series);
// A sample value as Prometheus writes it: shortest round-trip form, NaN, +Inf, -Inf.
std::string FormatMetricValue(double v);

}  // namespace hostmind
