// hostmind: on-host AI for Linux system management. See README.md.
#include <CLI/CLI.hpp>

#include "cli/commands.h"

int main(int argc, char** argv) {
  CLI::App app{"hostmind: an agent that learns a Linux host's normal, finds what is not, and acts"};
  app.require_subcommand(1);
  int exit_code = 0;
  hostmind::cli::AddRunCommand(app, exit_code);
  hostmind::cli::AddStatusCommand(app, exit_code);
  hostmind::cli::AddRecordCommand(app, exit_code);
  hostmind::cli::AddReplayCommand(app, exit_code);
  hostmind::cli::AddVersionCommand(app, exit_code);
  hostmind::cli::AddConfigCommand(app, exit_code);
  hostmind::cli::AddEvalCommand(app, exit_code);
  hostmind::cli::AddRulesCommand(app, exit_code);
  hostmind::cli::AddExplainCommand(app, exit_code);
  hostmind::cli::AddJobsCommand(app, exit_code);
  hostmind::cli::AddPredictCommand(app, exit_code);
  hostmind::cli::AddJobShimCommand(app, exit_code);
  hostmind::cli::AddTopCommand(app, exit_code);
  CLI11_PARSE(app, argc, argv);
  return exit_code;
}
