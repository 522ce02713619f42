#pragma once
// The agent's security parts, built from the `security:` config section: the sensor collector
// and the security analyzer (rules + learned behaviour) with its host lookups (process table
// resolver from /proc, user names, the kill action).
#include <memory>

#include "core/collector.h"
#include "core/config.h"
#include "core/pipeline.h"

namespace hostmind {

// Null when security.sensor.enabled is false.
std::unique_ptr<Collector> BuildSensorCollector(const Config& config);
// Null when both rules and behaviour are disabled. Invalid rules are logged by file, rule and
// position and left out; the rest load.
std::unique_ptr<Analyzer> BuildSecurityAnalyzer(const Config& config);

}  // namespace hostmind
