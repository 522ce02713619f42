#pragma once
// How CLI commands reach a running agent: its address and token from the config.
#include <string>

#include <nlohmann/json.hpp>

#include "core/config.h"
#include "serve/http_client.h"

namespace hostmind::cli {

// GET `path` from the agent the config describes; the parsed JSON body, or an error that says
// what went wrong (not running, refused, 404 with the agent's message).
Result<nlohmann::json> AgentGetJson(const Config& config, const std::string& path);

}  // namespace hostmind::cli
