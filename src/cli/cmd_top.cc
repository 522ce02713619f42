// hostmind top: a live terminal view of a running agent. Open alerts and incidents, anomalies,
// forecasts, and the busiest processes, redrawn every two seconds; `q` quits. Without a
// terminal (or with --once) it prints one plain screen and exits.
#include <poll.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <map>
#include <vector>

#include <fmt/format.h>

#include "cli/agent_client.h"
#include "cli/commands.h"

namespace hostmind::cli {

namespace {

struct TopArgs {
  std::string config_path;
  bool once = false;
  double interval_s = 2;
};

// Puts the terminal in raw-ish mode (no echo, no line buffering) for the view's lifetime.
class RawTerminal {
 public:
  RawTerminal() {
    if (tcgetattr(STDIN_FILENO, &saved_) != 0) return;
    termios raw = saved_;
    raw.c_lflag &= static_cast<tcflag_t>(~(ICANON | ECHO));
    ok_ = tcsetattr(STDIN_FILENO, TCSANOW, &raw) == 0;
    std::printf("\033[?25l");  // hide the cursor
  }
  ~RawTerminal() {
    if (ok_) tcsetattr(STDIN_FILENO, TCSANOW, &saved_);
    std::printf("\033[?25h\n");
  }

 private:
  termios saved_{};
  bool ok_ = false;
};

std::string Ago(double seconds) {
  if (seconds < 60) return fmt::format("{:.0f}s", seconds);
  if (seconds < 3600) return fmt::format("{:.0f}m", seconds / 60);
  return fmt::format("{:.1f}h", seconds / 3600);
}

std::string Fit(std::string s, size_t width) {
  for (char& c : s)
    if (c == '\n' || c == '\t') c = ' ';
  if (s.size() > width) s = s.substr(0, width > 1 ? width - 1 : 0) + "~";
  return s;
}

class TopView {
 public:
  TopView(const Config& config, bool color, int width) : config_(config), color_(color), width_(std::max(60, width)) {}

  std::string Render() {
    out_.clear();
    auto health = AgentGetJson(config_, "/api/v1/health");
    if (!health.ok()) return "hostmind top: " + health.status().message() + "\n";
    auto index = AgentGetJson(config_, "/api/v1");
    routes_ = index.ok() ? (*index)["routes"] : nlohmann::json::array();
    now_ms_ = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
    Header(*health);
    Findings("OPEN ALERTS", Has("/api/v1/alerts/active") ? "/api/v1/alerts/active" : "/api/v1/alerts?limit=10", 8);
    if (Has("/api/v1/incidents")) Findings("INCIDENTS", "/api/v1/incidents", 5);
    Findings("ANOMALIES", Has("/api/v1/anomalies") ? "/api/v1/anomalies" : "/api/v1/alerts?kind=anomaly&limit=5", 5);
    Findings("FORECASTS", Has("/api/v1/forecasts") ? "/api/v1/forecasts" : "/api/v1/alerts?kind=forecast&limit=5", 5);
    Processes();
    return out_;
  }

 private:
  bool Has(const std::string& path) const {
    for (const auto& r : routes_)
      if (r["method"] == "GET" && r["pattern"] == path) return true;
    return false;
  }
  std::string Bold(const std::string& s) const { return color_ ? "\033[1m" + s + "\033[0m" : s; }
  std::string Colored(const std::string& s, const std::string& severity) const {
    if (!color_) return s;
    const char* code = severity == "critical" ? "\033[1;31m" : severity == "warning" ? "\033[33m" : "\033[2m";
    return code + s + "\033[0m";
  }

  void Header(const nlohmann::json& h) {
    int up = 0;
    for (const auto& c : h["collectors"]) up += c["up"].get<bool>() || !c["ran"].get<bool>();
    out_ += Bold(fmt::format("hostmind {} on {}", h["version"].get<std::string>(), h["hostname"].get<std::string>())) +
            fmt::format("  {}  up {}  collectors {}/{}  queue {}/{}  dropped {}  series {}\n",
                        h["status"].get<std::string>(), Ago(h["uptime_s"].get<double>()), up, h["collectors"].size(),
                        h["pipeline"]["queue_depth"].get<int>(), h["pipeline"]["queue_capacity"].get<int>(),
                        h["pipeline"]["dropped_batches"].get<uint64_t>(), h["store"]["series_in_memory"].get<uint64_t>());
    for (const auto& a : h.value("actors", nlohmann::json::array()))
      out_ += fmt::format("  {} {}: {}\n", a.value("name", "?"), a.value("mode", "?"), a.value("detail", ""));
    if (h.contains("alerting"))
      for (const auto& t : h["alerting"]["targets"])
        if (t["state"] != "ok")
          out_ += Colored(fmt::format("  alerts to {}: {} ({} queued) {}\n", t["name"].get<std::string>(),
                                      t["state"].get<std::string>(), t["queued"].get<uint64_t>(), t["last_error"].get<std::string>()),
                          "warning");
  }

  void Findings(const std::string& title, const std::string& path, size_t max) {
    auto j = AgentGetJson(config_, path);
    out_ += "\n" + Bold(title) + "\n";
    if (!j.ok()) {
      out_ += "  (" + j.status().message() + ")\n";
      return;
    }
    nlohmann::json list = nlohmann::json::array();
    for (const auto& [k, v] : j->items())
      if (v.is_array()) list = v;
    if (list.empty()) out_ += "  none\n";
    for (size_t i = 0; i < list.size() && i < max; ++i) {
      const auto& f = list[i];
      std::string sev = f.value("severity", "info");
      std::string count = f.contains("count") ? fmt::format(" x{}", f["count"].get<uint64_t>()) : "";
      double age = (now_ms_ - f.value("ts", now_ms_)) / 1000.0;
      std::string line = fmt::format("  #{:<6} {:<8} {:>5}  {}{}", f.value("id", uint64_t{0}), sev, Ago(age),
                                     f.value("summary", f.dump()), count);
      out_ += Colored(Fit(line, static_cast<size_t>(width_)), sev) + "\n";
    }
  }

  void Processes() {
    auto cpu = AgentGetJson(config_, "/api/v1/series?match=hostmind_process_cpu_ratio&limit=200");
    auto rss = AgentGetJson(config_, "/api/v1/series?match=hostmind_process_rss_bytes&limit=200");
    out_ += "\n" + Bold("TOP PROCESSES") + "\n" + fmt::format("  {:<8} {:<16} {:>7} {:>10}\n", "PID", "COMMAND", "CPU", "RSS");
    if (!cpu.ok()) {
      out_ += "  (" + cpu.status().message() + ")\n";
      return;
    }
    std::map<std::string, double> rss_by_pid;
    if (rss.ok())
      for (const auto& s : (*rss)["series"]) rss_by_pid[s["labels"].value("pid", "")] = s["value"].get<double>();
    std::vector<nlohmann::json> rows((*cpu)["series"].begin(), (*cpu)["series"].end());
    std::sort(rows.begin(), rows.end(), [](const nlohmann::json& a, const nlohmann::json& b) {
      return a["value"].get<double>() > b["value"].get<double>();
    });
    for (size_t i = 0; i < rows.size() && i < 10; ++i) {
      std::string pid = rows[i]["labels"].value("pid", "?");
      double mib = rss_by_pid.count(pid) ? rss_by_pid[pid] / 1048576.0 : 0;
      out_ += fmt::format("  {:<8} {:<16} {:>6.1f}% {:>8.0f}Mi\n", pid, Fit(rows[i]["labels"].value("comm", "?"), 16),
                          rows[i]["value"].get<double>() * 100, mib);
    }
  }

  const Config& config_;
  bool color_;
  int width_;
  nlohmann::json routes_;
  double now_ms_ = 0;
  std::string out_;
};

int RunTop(const TopArgs& args) {
  auto config = LoadConfigForCli(args.config_path);
  if (!config.ok()) {
    std::fprintf(stderr, "hostmind: %s\n", config.status().message().c_str());
    return 2;
  }
  bool tty = isatty(STDOUT_FILENO) && isatty(STDIN_FILENO);
  winsize ws{};
  int width = tty && ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0 ? ws.ws_col : 120;
  TopView view(*config, tty, width);
  if (args.once || !tty) {
    std::string screen = view.Render();
    std::fputs(screen.c_str(), stdout);
    return screen.rfind("hostmind top: ", 0) == 0 ? 1 : 0;
  }
  RawTerminal raw;
  while (true) {
    std::string screen = view.Render();
    std::printf("\033[H\033[2J%s\n(q quits; refreshes every %.0f s)", screen.c_str(), args.interval_s);
    std::fflush(stdout);
    pollfd p{STDIN_FILENO, POLLIN, 0};
    if (poll(&p, 1, static_cast<int>(args.interval_s * 1000)) > 0) {
      char c = 0;
      if (read(STDIN_FILENO, &c, 1) == 1 && (c == 'q' || c == 'Q' || c == 3)) return 0;
    }
  }
}

}  // namespace

void AddTopCommand(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand("top", "Live view of a running agent: alerts, incidents, anomalies, forecasts, processes");
  static TopArgs args;
  cmd->add_option("--config", args.config_path, "the agent's config file (for its address and token)");
  cmd->add_flag("--once", args.once, "print one screen and exit (the default without a terminal)");
  cmd->add_option("--interval", args.interval_s, "seconds between refreshes")->check(CLI::Range(0.5, 3600.0));
  cmd->callback([&exit_code] { exit_code = RunTop(args); });
}

}  // namespace hostmind::cli
