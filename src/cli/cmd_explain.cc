// `hostmind explain action ID`: prints one audited action (what changed, why, every input) from
// the state store, whether or not the agent is running.
#include <cstdio>

#include "act/action_audit.h"
#include "cli/commands.h"
#include "store/store.h"

namespace hostmind::cli {

void AddExplainCommand(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand("explain", "Explain something the agent decided");
  cmd->require_subcommand(1);
  auto* action = cmd->add_subcommand("action", "An action from the audit log: what changed, why, with which inputs");
  static std::string config_path;
  static int64_t id = 0;
  static bool json = false;
  action->add_option("id", id, "the action's id (from /api/v1/actions or the agent's log)")->required();
  action->add_option("--config", config_path, "the agent's config file (for its state directory)");
  action->add_flag("--json", json, "print the action as JSON");
  action->callback([&exit_code] {
    auto config = LoadConfigForCli(config_path);
    if (!config.ok()) {
      std::fprintf(stderr, "hostmind: %s\n", config.status().message().c_str());
      exit_code = 2;
      return;
    }
    auto store = Store::Open(config->agent.state_dir + "/hostmind.db");
    if (!store.ok()) {
      std::fprintf(stderr, "hostmind: %s\n", store.status().ToString().c_str());
      exit_code = 1;
      return;
    }
    auto audit = ActionAudit::Open(**store);
    auto a = audit.ok() ? (*audit)->Get(id) : Result<std::optional<Action>>(audit.status());
    if (!a.ok()) {
      std::fprintf(stderr, "hostmind: %s\n", a.status().ToString().c_str());
      exit_code = 1;
      return;
    }
    if (!a->has_value()) {
      std::fprintf(stderr, "hostmind: no action %lld in %s\n", static_cast<long long>(id), config->agent.state_dir.c_str());
      exit_code = 1;
      return;
    }
    std::printf("%s", json ? (ActionJson(**a).dump(2) + "\n").c_str() : ExplainAction(**a).c_str());
    exit_code = 0;
  });
}

}  // namespace hostmind::cli
