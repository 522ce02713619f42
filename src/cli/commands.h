#pragma once
// One function per subcommand file: each adds its subcommand to the app and sets its callback.
// A callback's exit code goes through `exit_code`.
#include <CLI/CLI.hpp>
#include <string>

#include "core/config.h"

namespace hostmind::cli {

// Loads the config (defaults when `path` is empty) and applies its log level.
Result<Config> LoadConfigForCli(const std::string& path);

void AddVersionCommand(CLI::App& app, int& exit_code);
void AddJobsCommand(CLI::App& app, int& exit_code);
void AddPredictCommand(CLI::App& app, int& exit_code);
void AddJobShimCommand(CLI::App& app, int& exit_code);
void AddConfigCommand(CLI::App& app, int& exit_code);
void AddEvalCommand(CLI::App& app, int& exit_code);
void AddRunCommand(CLI::App& app, int& exit_code);
void AddStatusCommand(CLI::App& app, int& exit_code);
void AddRecordCommand(CLI::App& app, int& exit_code);
void AddReplayCommand(CLI::App& app, int& exit_code);
void AddRulesCommand(CLI::App& app, int& exit_code);
void AddExplainCommand(CLI::App& app, int& exit_code);
void AddTopCommand(CLI::App& app, int& exit_code);
// Children of `eval`.
void AddEvalLoghubCommand(CLI::App& eval, int& exit_code);
void AddEvalHdfsCommand(CLI::App& eval, int& exit_code);
void AddEvalAdfaCommand(CLI::App& eval, int& exit_code);
void AddEvalNabCommand(CLI::App& eval, int& exit_code);
void AddEvalSmdCommand(CLI::App& eval, int& exit_code);
void AddEvalSwfCommand(CLI::App& eval, int& exit_code);
void AddEvalForecastCommand(CLI::App& eval, int& exit_code);

}  // namespace hostmind::cli
