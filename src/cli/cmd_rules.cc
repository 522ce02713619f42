// `hostmind rules check FILE... [--json]`: loads rule files exactly as the agent does and says
// what became of every rule. Exits 1 only when a file is not a valid rule file.
#include <nlohmann/json.hpp>

#include <cstdio>

#include "cli/commands.h"
#include "detect/rules/rule_engine.h"

namespace hostmind::cli {

namespace {

struct CheckOptions {
  std::vector<std::string> files;
  bool json = false;
};

int RunRulesCheck(const CheckOptions& opt) {
  rules::RuleSet set;
  std::vector<std::string> errors;
  for (const auto& file : opt.files) {
    Status s = set.AddFile(file);
    if (!s.ok()) errors.push_back(s.message());
  }
  auto engine = rules::RuleEngine::Build(set);
  size_t counts[4] = {0, 0, 0, 0};
  nlohmann::json rules_json = nlohmann::json::array();
  for (const auto& r : engine->report()) {
    counts[static_cast<int>(r.state)]++;
    if (r.state == rules::RuleState::kInvalid) errors.push_back(r.reason);
    if (opt.json) {
      rules_json.push_back({{"rule", r.name}, {"file", r.pos.file}, {"line", r.pos.line},
                            {"state", rules::RuleStateName(r.state)}, {"reason", r.reason}});
    } else {
      std::printf("%-9s %s (%s)%s%s\n", rules::RuleStateName(r.state), r.name.c_str(), r.pos.ToString().c_str(),
                  r.reason.empty() ? "" : ": ", r.reason.c_str());
    }
  }
  for (const auto& e : errors) std::fprintf(stderr, "hostmind: invalid rule file: %s\n", e.c_str());
  if (opt.json) {
    nlohmann::json out = {{"files", opt.files},       {"rules", rules_json},
                          {"loaded", counts[0]},      {"disabled", counts[1]},
                          {"skipped", counts[2]},     {"invalid", counts[3]},
                          {"errors", errors},         {"macros", set.macros().size()},
                          {"lists", set.lists().size()}};
    std::printf("%s\n", out.dump(2).c_str());
  } else {
    std::printf("%zu rules: %zu loaded, %zu disabled, %zu skipped, %zu invalid; %zu file errors\n",
                engine->report().size(), counts[0], counts[1], counts[2], counts[3],
                errors.size() - counts[3]);
  }
  return errors.empty() ? 0 : 1;
}

}  // namespace

void AddRulesCommand(CLI::App& app, int& exit_code) {
  auto* rules_cmd = app.add_subcommand("rules", "Security rules (Falco syntax)");
  rules_cmd->require_subcommand(1);
  auto* check = rules_cmd->add_subcommand(
      "check", "Load rule files as the agent does; report each rule as loaded, disabled or skipped (with why)");
  static CheckOptions opt;
  check->add_option("FILE", opt.files, "Falco-syntax rule files, loaded in order")->required()->check(CLI::ExistingFile);
  check->add_flag("--json", opt.json, "Print a JSON report");
  check->callback([&exit_code] { exit_code = RunRulesCheck(opt); });
}

}  // namespace hostmind::cli
