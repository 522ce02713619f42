#pragma once
// JSON renderings of events and findings: one shape for the store, the API, alert payloads
// and `hostmind explain`.
#include <nlohmann/json.hpp>

#include "core/event.h"
#include "core/finding.h"
#include "core/status.h"

namespace hostmind {

// Serialises `j`. Strings from the host may hold invalid UTF-8 (log lines, comm); they are
// replaced with U+FFFD instead of throwing, so every dump of host data goes through here.
std::string JsonText(const nlohmann::json& j, int indent = -1);

nlohmann::json EventToJson(const Event& event);
nlohmann::json FindingToJson(const Finding& finding);
// The inverse of FindingToJson; unknown kinds or severities are Corrupt.
Result<Finding> FindingFromJson(const nlohmann::json& j);

}  // namespace hostmind
