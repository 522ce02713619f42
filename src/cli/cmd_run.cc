#include <signal.h>

#include <cstdio>

#include <spdlog/spdlog.h>

#include "cli/agent.h"
#include "cli/commands.h"

namespace hostmind::cli {

Result<Config> LoadConfigForCli(const std::string& path) {
  auto config = LoadConfig(path);
  if (config.ok()) spdlog::set_level(spdlog::level::from_str(config->agent.log_level));
  return config;
}

void AddRunCommand(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand("run", "Run the agent in the foreground (Ctrl-C or SIGTERM stops it cleanly)");
  static std::string config_path;
  cmd->add_option("--config", config_path, "YAML config file over the embedded defaults");
  cmd->callback([&exit_code] {
    auto config = LoadConfigForCli(config_path);
    if (!config.ok()) {
      std::fprintf(stderr, "hostmind: %s\n", config.status().message().c_str());
      exit_code = 2;
      return;
    }
    // Block the stop signals before any thread starts, so that only sigwait below sees them.
    sigset_t stop_signals;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGINT);
    sigaddset(&stop_signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
    signal(SIGPIPE, SIG_IGN);

    auto agent = Agent::Create(*config);
    Status started = agent.ok() ? (*agent)->Start() : agent.status();
    if (!started.ok()) {
      std::fprintf(stderr, "hostmind: %s\n", started.message().c_str());
      exit_code = 1;
      return;
    }
    int sig = 0;
    sigwait(&stop_signals, &sig);
    spdlog::info("received {}, stopping", sig == SIGINT ? "SIGINT" : "SIGTERM");
    (*agent)->Stop();
    exit_code = 0;
  });
}

}  // namespace hostmind::cli
