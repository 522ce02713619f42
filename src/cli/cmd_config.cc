#include <cstdio>

#include "cli/commands.h"
#include "core/config.h"

namespace hostmind::cli {

void AddConfigCommand(CLI::App& app, int& exit_code) {
  auto* config = app.add_subcommand("config", "Check or print the configuration");
  config->require_subcommand(1);

  auto* check = config->add_subcommand("check", "Validate a config file: unknown keys and bad values are errors");
  static std::string file;
  check->add_option("FILE", file, "YAML config file")->required();
  check->callback([&exit_code] {
    auto loaded = LoadConfig(file);
    if (!loaded.ok()) {
      std::fprintf(stderr, "hostmind: %s\n", loaded.status().message().c_str());
      exit_code = 1;
      return;
    }
    std::printf("%s: OK\n", file.c_str());
    exit_code = 0;
  });

  auto* defaults = config->add_subcommand("defaults", "Print the embedded default configuration");
  defaults->callback([&exit_code] {
    std::fputs(DefaultConfigYaml(), stdout);
    exit_code = 0;
  });
}

}  // namespace hostmind::cli
