#include "cli/commands.h"

namespace hostmind::cli {

void AddEvalCommand(CLI::App& app, int& exit_code) {
  auto* eval = app.add_subcommand("eval", "Evaluate the models on public datasets (same code as the live agent)");
  eval->require_subcommand(1);
  // Each evaluation adds itself below: AddEval<Name>Command(*eval, exit_code).
  AddEvalLoghubCommand(*eval, exit_code);
  AddEvalHdfsCommand(*eval, exit_code);
  AddEvalAdfaCommand(*eval, exit_code);
  AddEvalNabCommand(*eval, exit_code);
  AddEvalSmdCommand(*eval, exit_code);
  AddEvalSwfCommand(*eval, exit_code);
  AddEvalForecastCommand(*eval, exit_code);
}

}  // namespace hostmind::cli
