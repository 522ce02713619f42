#include <cstdio>

#include "cli/commands.h"
#include "core/version.h"

namespace hostmind::cli {

void AddVersionCommand(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand("version", "Print the version");
  cmd->callback([&exit_code] {
    std::printf("hostmind %s\n", kVersion);
    exit_code = 0;
  });
}

}  // namespace hostmind::cli
