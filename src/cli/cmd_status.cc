#include <cstdio>

#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "serve/http_client.h"

namespace hostmind::cli {

void AddStatusCommand(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand("status", "Ask the running agent how it is");
  static std::string config_path;
  static bool json = false;
  cmd->add_option("--config", config_path, "the agent's config file (for its address and token)");
  cmd->add_flag("--json", json, "print the raw health document");
  cmd->callback([&exit_code] {
    auto config = LoadConfigForCli(config_path);
    if (!config.ok()) {
      std::fprintf(stderr, "hostmind: %s\n", config.status().message().c_str());
      exit_code = 2;
      return;
    }
    std::string host = config->http.listen == "0.0.0.0" ? "127.0.0.1" : config->http.listen;
    auto r = HttpCall("GET", host, config->http.port, "/api/v1/health", "", config->http.token);
    if (!r.ok() || r->status != 200) {
      std::fprintf(stderr, "hostmind: %s\n", r.ok() ? ("agent answered " + std::to_string(r->status)).c_str() : r.status().message().c_str());
      exit_code = 1;
      return;
    }
    auto h = nlohmann::json::parse(r->body, nullptr, false);
    if (json || h.is_discarded()) {
      std::printf("%s\n", r->body.c_str());
      exit_code = 0;
      return;
    }
    std::printf("hostmind %s on %s: %s, up %.0f s\n", h["version"].get<std::string>().c_str(),
                h["hostname"].get<std::string>().c_str(), h["status"].get<std::string>().c_str(), h["uptime_s"].get<double>());
    for (const auto& c : h["collectors"])
      std::printf("  %-12s %-4s runs %-6llu errors %-4llu %s\n", c["name"].get<std::string>().c_str(),
                  c["up"].get<bool>() ? "up" : "DOWN", static_cast<unsigned long long>(c["runs"].get<uint64_t>()),
                  static_cast<unsigned long long>(c["errors"].get<uint64_t>()), c["last_error"].get<std::string>().c_str());
    std::printf("  queue %llu/%llu, dropped batches %llu\n",
                static_cast<unsigned long long>(h["pipeline"]["queue_depth"].get<uint64_t>()),
                static_cast<unsigned long long>(h["pipeline"]["queue_capacity"].get<uint64_t>()),
                static_cast<unsigned long long>(h["pipeline"]["dropped_batches"].get<uint64_t>()));
    exit_code = h["status"] == "ok" ? 0 : 3;
  });
}

}  // namespace hostmind::cli
