#include "e2e/headless_browser.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <thread>

namespace hostmind::testing {

namespace {

using Clock = std::chrono::steady_clock;

std::string DecodeBase64(const std::string& in) {
  static const std::string chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  uint32_t acc = 0;
  int bits = 0;
  for (char c : in) {
    size_t v = chars.find(c);
    if (v == std::string::npos) continue;  // padding, whitespace
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xff));
    }
  }
  return out;
}

}  // namespace

HeadlessBrowser::~HeadlessBrowser() {
  if (to_browser_ >= 0) close(to_browser_);
  if (from_browser_ >= 0) close(from_browser_);
  if (pid_ > 0) {
    // Closing the pipe asks chromium to quit; give it a moment, then make sure.
    for (int i = 0; i < 20 && waitpid(pid_, nullptr, WNOHANG) == 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    if (waitpid(pid_, nullptr, WNOHANG) == 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
  }
}

Status HeadlessBrowser::Start(const std::string& profile_dir, const std::string& log_path, int width, int height) {
  int to[2], from[2];
  if (pipe(to) != 0 || pipe(from) != 0) return Status::IoError("pipe failed");
  pid_ = fork();
  if (pid_ < 0) return Status::IoError("fork failed");
  if (pid_ == 0) {
    // Chromium reads commands on fd 3 and writes replies on fd 4.
    int log = open(log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(log, 1);
    dup2(log, 2);
    int in = dup(to[0]), out = dup(from[1]);
    dup2(in, 3);
    dup2(out, 4);
    for (int fd = 5; fd < 1024; ++fd) close(fd);
    std::string profile = "--user-data-dir=" + profile_dir;
    std::string size = "--window-size=" + std::to_string(width) + "," + std::to_string(height);
    execl(kChromium, kChromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
          "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-extensions",
          "--disable-default-apps", "--mute-audio", "--hide-scrollbars", "--remote-debugging-pipe", profile.c_str(),
          size.c_str(), "about:blank", nullptr);
    _exit(127);
  }
  close(to[0]);
  close(from[1]);
  to_browser_ = to[1];
  from_browser_ = from[0];
  signal(SIGPIPE, SIG_IGN);  // a chromium that died must fail the test, not kill it

  auto target = Call("Target.createTarget", {{"url", "about:blank"}}, true, std::chrono::seconds(30));
  if (!target.ok()) return target.status();
  auto attached = Call("Target.attachToTarget", {{"targetId", (*target)["targetId"]}, {"flatten", true}}, true);
  if (!attached.ok()) return attached.status();
  session_ = (*attached)["sessionId"];
  for (const char* domain : {"Page.enable", "Runtime.enable"}) {
    auto r = Call(domain, nlohmann::json::object());
    if (!r.ok()) return r.status();
  }
  auto metrics = Call("Emulation.setDeviceMetricsOverride",
                      {{"width", width}, {"height", height}, {"deviceScaleFactor", 1}, {"mobile", false}});
  return metrics.ok() ? Status::Ok() : metrics.status();
}

Result<nlohmann::json> HeadlessBrowser::Call(const std::string& method, const nlohmann::json& params, bool browser_level,
                                             std::chrono::milliseconds timeout) {
  int id = next_id_++;
  nlohmann::json msg = {{"id", id}, {"method", method}, {"params", params}};
  if (!browser_level && !session_.empty()) msg["sessionId"] = session_;
  std::string text = msg.dump();
  text.push_back('\0');
  for (size_t off = 0; off < text.size();) {
    ssize_t n = write(to_browser_, text.data() + off, text.size() - off);
    if (n <= 0) return Status::IoError("chromium closed its DevTools pipe (see its log)");
    off += static_cast<size_t>(n);
  }
  auto reply = Await(id, timeout);
  if (!reply.ok()) return Status(reply.status().code(), method + ": " + reply.status().message());
  if (reply->contains("error")) return Status::Internal(method + ": " + (*reply)["error"].dump());
  return (*reply)["result"];
}

bool HeadlessBrowser::ReadMessage(std::chrono::milliseconds timeout, nlohmann::json& out) {
  auto deadline = Clock::now() + timeout;
  while (true) {
    size_t nul = buffer_.find('\0');
    if (nul != std::string::npos) {
      out = nlohmann::json::parse(buffer_.substr(0, nul), nullptr, false);
      buffer_.erase(0, nul + 1);
      return true;
    }
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) return false;
    pollfd p{from_browser_, POLLIN, 0};
    if (poll(&p, 1, static_cast<int>(left)) <= 0) continue;
    char chunk[65536];
    ssize_t n = read(from_browser_, chunk, sizeof chunk);
    if (n <= 0) return false;
    buffer_.append(chunk, static_cast<size_t>(n));
  }
}

void HeadlessBrowser::Record(const nlohmann::json& m) {
  if (!m.contains("method")) return;
  std::string method = m["method"];
  events_.push_back(method);
  if (method == "Runtime.exceptionThrown") {
    const auto& d = m["params"]["exceptionDetails"];
    page_errors_.push_back("exception: " + (d.contains("exception") ? d["exception"].value("description", "") : d.value("text", "")));
  } else if (method == "Runtime.consoleAPICalled" && m["params"]["type"] == "error") {
    page_errors_.push_back("console.error: " + m["params"]["args"].dump());
  }
}

Result<nlohmann::json> HeadlessBrowser::Await(int id, std::chrono::milliseconds timeout) {
  auto deadline = Clock::now() + timeout;
  nlohmann::json m;
  while (Clock::now() < deadline) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (!ReadMessage(left, m)) break;
    if (m.contains("id") && m["id"] == id) return m;
    Record(m);
  }
  return Status::Unavailable("no reply from chromium");
}

Status HeadlessBrowser::AwaitEvent(const std::string& method, std::chrono::milliseconds timeout) {
  auto deadline = Clock::now() + timeout;
  nlohmann::json m;
  while (true) {
    auto it = std::find(events_.begin(), events_.end(), method);
    if (it != events_.end()) {
      events_.erase(events_.begin(), it + 1);
      return Status::Ok();
    }
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0 || !ReadMessage(left, m)) return Status::Unavailable("no " + method + " event");
    Record(m);
  }
}

Status HeadlessBrowser::Navigate(const std::string& url) {
  events_.clear();
  auto r = Call("Page.navigate", {{"url", url}});
  if (!r.ok()) return r.status();
  if (r->contains("errorText")) return Status::Unavailable("navigate " + url + ": " + (*r)["errorText"].get<std::string>());
  return AwaitEvent("Page.loadEventFired", std::chrono::seconds(20));
}

Result<nlohmann::json> HeadlessBrowser::Evaluate(const std::string& expression) {
  auto r = Call("Runtime.evaluate", {{"expression", expression}, {"returnByValue", true}, {"awaitPromise", true}});
  if (!r.ok()) return r.status();
  if (r->contains("exceptionDetails")) return Status::Internal("page threw: " + (*r)["exceptionDetails"].dump());
  return (*r)["result"].value("value", nlohmann::json());
}

Result<nlohmann::json> HeadlessBrowser::WaitFor(const std::string& expression, std::chrono::milliseconds timeout) {
  auto deadline = Clock::now() + timeout;
  nlohmann::json last;
  while (Clock::now() < deadline) {
    auto v = Evaluate(expression);
    if (!v.ok()) return v.status();
    last = *v;
    bool truthy = !(last.is_null() || (last.is_boolean() && !last.get<bool>()) || (last.is_number() && last.get<double>() == 0) ||
                    (last.is_string() && last.get<std::string>().empty()));
    if (truthy) return last;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return Status::Unavailable("timed out waiting for `" + expression + "` (last value " + last.dump() + ")");
}

Result<size_t> HeadlessBrowser::Screenshot(const std::string& path) {
  auto r = Call("Page.captureScreenshot", {{"format", "png"}});
  if (!r.ok()) return r.status();
  std::string png = DecodeBase64((*r)["data"].get<std::string>());
  std::ofstream out(path, std::ios::binary);
  out << png;
  if (!out) return Status::IoError("cannot write " + path);
  return png.size();
}

}  // namespace hostmind::testing
