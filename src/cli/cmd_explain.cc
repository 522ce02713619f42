// hostmind explain [finding|alert] ID: a finding's explanation, as the API and dashboard show
// it. From the running agent; when none runs, from the state it left.
// hostmind explain action ID: one audited action (what changed, why, every input) from the state
// store, whether or not the agent is running.
#include <cstdio>

#include "act/action_audit.h"
#include "cli/agent_client.h"
#include "cli/commands.h"
#include "core/explain_text.h"
#include "store/json_codec.h"
#include "store/store.h"

namespace hostmind::cli {

namespace {

struct ExplainArgs {
  std::string config_path;
  std::string id;
  bool json = false;
};

// An alert is named by its latest finding's id or by its fingerprint (16 hex digits).
Result<std::string> FindingIdOfAlert(const Config& config, const std::string& id) {
  if (id.find_first_not_of("0123456789") == std::string::npos) return id;
  auto active = AgentGetJson(config, "/api/v1/alerts/active");
  if (!active.ok()) return active.status();
  for (const auto& a : (*active)["alerts"])
    if (a.value("fingerprint", "") == id) return std::to_string(a["id"].get<uint64_t>());
  return Status::NotFound("no open alert with fingerprint " + id);
}

Result<Finding> LoadFinding(const Config& config, const std::string& id) {
  if (id.empty() || id.find_first_not_of("0123456789") != std::string::npos)
    return Status::InvalidArgument("'" + id + "' is not a finding id (a number)");
  auto j = AgentGetJson(config, "/api/v1/findings/" + id);
  if (j.ok()) return FindingFromJson(*j);
  if (j.status().code() != StatusCode::kUnavailable) return j.status();
  // No agent: read what it stored (SQLite allows this next to a running writer too).
  auto store = Store::Open(config.agent.state_dir + "/hostmind.db");
  if (!store.ok()) return Status::Unavailable(j.status().message() + "; and no state at " + config.agent.state_dir);
  auto f = (*store)->GetFinding(std::stoull(id));
  if (!f.ok()) return f.status();
  if (!*f) return Status::NotFound("no finding " + id + " in " + config.agent.state_dir);
  return **f;
}

int RunExplain(const ExplainArgs& args, bool alert) {
  auto config = LoadConfigForCli(args.config_path);
  if (!config.ok()) {
    std::fprintf(stderr, "hostmind: %s\n", config.status().message().c_str());
    return 2;
  }
  auto id = alert ? FindingIdOfAlert(*config, args.id) : Result<std::string>(args.id);
  auto finding = id.ok() ? LoadFinding(*config, *id) : Result<Finding>(id.status());
  if (!finding.ok()) {
    std::fprintf(stderr, "hostmind: %s\n", finding.status().message().c_str());
    return finding.status().code() == StatusCode::kNotFound ? 1 : 2;
  }
  if (args.json) std::printf("%s\n", JsonText(FindingToJson(*finding), 2).c_str());
  else std::fputs(ExplainText(*finding).c_str(), stdout);
  return 0;
}

int RunExplainAction(const ExplainArgs& args) {
  auto config = LoadConfigForCli(args.config_path);
  if (!config.ok()) {
    std::fprintf(stderr, "hostmind: %s\n", config.status().message().c_str());
    return 2;
  }
  if (args.id.empty() || args.id.find_first_not_of("0123456789") != std::string::npos) {
    std::fprintf(stderr, "hostmind: '%s' is not an action id (a number)\n", args.id.c_str());
    return 2;
  }
  auto store = Store::Open(config->agent.state_dir + "/hostmind.db");
  if (!store.ok()) {
    std::fprintf(stderr, "hostmind: %s\n", store.status().ToString().c_str());
    return 1;
  }
  auto audit = ActionAudit::Open(**store);
  auto a = audit.ok() ? (*audit)->Get(std::stoll(args.id)) : Result<std::optional<Action>>(audit.status());
  if (!a.ok()) {
    std::fprintf(stderr, "hostmind: %s\n", a.status().ToString().c_str());
    return 1;
  }
  if (!a->has_value()) {
    std::fprintf(stderr, "hostmind: no action %s in %s\n", args.id.c_str(), config->agent.state_dir.c_str());
    return 1;
  }
  std::printf("%s", args.json ? (ActionJson(**a).dump(2) + "\n").c_str() : ExplainAction(**a).c_str());
  return 0;
}

}  // namespace

void AddExplainCommand(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand("explain", "Explain a finding, an alert or an action: its evidence and the facts behind it");
  static ExplainArgs args;
  cmd->add_option("--config", args.config_path, "the agent's config file (its address, token and state)");
  cmd->add_flag("--json", args.json, "print the explanation as the API returns it");
  cmd->add_option("ID", args.id, "a finding id");
  cmd->require_subcommand(0, 1);
  auto* finding = cmd->add_subcommand("finding", "Explain finding ID");
  finding->add_option("ID", args.id, "the finding's id")->required();
  auto* alert = cmd->add_subcommand("alert", "Explain an alert: ID is its latest finding's id or its fingerprint");
  alert->add_option("ID", args.id, "finding id or fingerprint")->required();
  auto* action = cmd->add_subcommand("action", "Explain action ID from the audit log: what changed, why, with which inputs");
  action->add_option("ID", args.id, "the action's id (from /api/v1/actions or the agent's log)")->required();
  finding->fallthrough();
  alert->fallthrough();
  action->fallthrough();
  action->callback([&exit_code] { exit_code = RunExplainAction(args); });
  finding->callback([&exit_code] { exit_code = RunExplain(args, false); });
  alert->callback([&exit_code] { exit_code = RunExplain(args, true); });
  cmd->callback([cmd, &exit_code] {
    if (!cmd->get_subcommands().empty()) return;  // a child ran
    if (args.id.empty()) {
      std::fprintf(stderr, "hostmind explain: give a finding id (hostmind explain 42)\n");
      exit_code = 2;
      return;
    }
    exit_code = RunExplain(args, false);
  });
}

}  // namespace hostmind::cli
