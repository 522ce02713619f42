#pragma once
// Runs the real `hostmind` binary as a child process for the runtime tests: starts it with a
// config, finds its HTTP port from its log, signals it, and waits for it.
#include <signal.h>
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <optional>
#include <regex>
#include <string>
#include <thread>

#include "serve/http_client.h"
#include "test_util.h"

namespace hostmind::testing {

class AgentProcess {
 public:
  // `dir` holds the config, the state and the agent's log. `http_yaml` goes inside the http
  // section (indented by two spaces), `extra_yaml` after it.
  AgentProcess(const TempDir& dir, const std::string& extra_yaml = "", const std::string& http_yaml = "") : dir_(dir) {
    dir_.Write("hostmind.yaml",
               "agent:\n  state_dir: " + dir_.path() + "/state\nhttp:\n  port: 0\n" + http_yaml + extra_yaml);
  }
  ~AgentProcess() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
  }

  // Starts the agent and waits until it serves HTTP; false after `timeout`.
  bool Start(std::chrono::seconds timeout = std::chrono::seconds(30)) {
    log_ = dir_.path() + "/agent-" + std::to_string(starts_++) + ".log";
    // Everything the child needs is made before the fork: the test may run other threads (a
    // NATS listener), and a child that allocates can hang on a lock one of them held.
    const std::string config = dir_.path() + "/hostmind.yaml";
    pid_ = fork();
    if (pid_ == 0) {
      int fd = open(log_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      dup2(fd, 1);
      dup2(fd, 2);
      execl(HOSTMIND_BINARY, HOSTMIND_BINARY, "run", "--config", config.c_str(), nullptr);
      _exit(127);
    }
    auto deadline = std::chrono::steady_clock::now() + timeout;
    std::regex listening(R"(listening on http://[0-9.]+:(\d+)/)");
    while (std::chrono::steady_clock::now() < deadline) {
      std::smatch m;
      std::string log = Log();
      if (std::regex_search(log, m, listening)) {
        port_ = std::stoi(m[1]);
        return true;
      }
      if (waitpid(pid_, nullptr, WNOHANG) == pid_) {
        pid_ = -1;
        return false;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return false;
  }

  Result<HttpClientResponse> Get(const std::string& path) const { return HttpCall("GET", "127.0.0.1", port_, path); }

  // Sends `sig` and waits up to `timeout` for exit; the exit status, or nullopt on timeout.
  std::optional<int> Signal(int sig, std::chrono::milliseconds timeout) {
    kill(pid_, sig);
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      int status = 0;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return std::nullopt;
  }

  std::string Log() const { return ReadWholeFile(log_); }
  std::string state_dir() const { return dir_.path() + "/state"; }
  int port() const { return port_; }

 private:
  const TempDir& dir_;
  pid_t pid_ = -1;
  int port_ = 0;
  int starts_ = 0;
  std::string log_;
};

// Polls `pred` every 100 ms until it holds or `timeout` passes.
template <typename Pred>
bool WaitFor(Pred pred, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (pred()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return pred();
}

}  // namespace hostmind::testing
