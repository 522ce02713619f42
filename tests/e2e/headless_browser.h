#pragma once
// Drives Debian's chromium headless over the DevTools protocol for the browser tests. The
// protocol runs over a pipe (--remote-debugging-pipe: JSON messages separated by NUL bytes on
// fds 3 and 4), so no WebSocket client and no network port are needed.
#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/status.h"

namespace hostmind::testing {

inline constexpr const char* kChromium = "/usr/bin/chromium";

class HeadlessBrowser {
 public:
  HeadlessBrowser() = default;
  ~HeadlessBrowser();
  HeadlessBrowser(const HeadlessBrowser&) = delete;
  HeadlessBrowser& operator=(const HeadlessBrowser&) = delete;

  // Starts chromium with a fresh profile under `profile_dir` and opens one page of the given
  // size; chromium's own output goes to `log_path`.
  Status Start(const std::string& profile_dir, const std::string& log_path, int width, int height);

  // Loads `url` and waits for the load event.
  Status Navigate(const std::string& url);
  // Evaluates `expression` in the page (promises awaited) and returns its value as JSON.
  Result<nlohmann::json> Evaluate(const std::string& expression);
  // Evaluates `expression` every 100 ms until it is truthy; its last value, or an error naming
  // the expression after `timeout`.
  Result<nlohmann::json> WaitFor(const std::string& expression, std::chrono::milliseconds timeout);
  // Writes a PNG of the page's viewport to `path`; its size in bytes.
  Result<size_t> Screenshot(const std::string& path);
  // Uncaught exceptions and console errors the page has raised so far.
  const std::vector<std::string>& page_errors() const { return page_errors_; }

 private:
  // Sends one command (to the page's session unless `browser_level`) and waits for its result.
  Result<nlohmann::json> Call(const std::string& method, const nlohmann::json& params, bool browser_level = false,
                              std::chrono::milliseconds timeout = std::chrono::seconds(20));
  // Reads messages until one with `id` arrives (events are recorded on the way), or times out.
  Result<nlohmann::json> Await(int id, std::chrono::milliseconds timeout);
  // Waits for event `method` on the page (recorded events count).
  Status AwaitEvent(const std::string& method, std::chrono::milliseconds timeout);
  bool ReadMessage(std::chrono::milliseconds timeout, nlohmann::json& out);
  void Record(const nlohmann::json& message);

  pid_t pid_ = -1;
  int to_browser_ = -1;
  int from_browser_ = -1;
  int next_id_ = 1;
  std::string session_;
  std::string buffer_;
  std::vector<std::string> events_;  // methods of events received, in order
  std::vector<std::string> page_errors_;
};

}  // namespace hostmind::testing
