// hostmind jobs submit|list|show|cancel|wait, hostmind predict, and the jobs' supervisor
// (hostmind job-shim, which users do not call).
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <random>

#include <nlohmann/json.hpp>

#include "act/job_launcher.h"
#include "cli/commands.h"
#include "serve/http_client.h"

extern char** environ;

namespace hostmind::cli {
namespace {

struct ClientArgs {
  std::string config_path;
  bool json = false;
};

// Calls the running agent; an error answer becomes a Status with the agent's message.
Result<nlohmann::json> CallAgent(const ClientArgs& args, const std::string& method, const std::string& path,
                                 const nlohmann::json& body = nullptr) {
  auto config = LoadConfigForCli(args.config_path);
  if (!config.ok()) return config.status();
  const std::string host = config->http.listen == "0.0.0.0" ? "127.0.0.1" : config->http.listen;
  auto r = HttpCall(method, host, config->http.port, path, body.is_null() ? "" : body.dump(), config->http.token);
  if (!r.ok())
    return Status::Unavailable("no agent answers at " + host + ":" + std::to_string(config->http.port) +
                               " (is `hostmind run` running?): " + r.status().message());
  auto j = nlohmann::json::parse(r->body, nullptr, false);
  if (r->status >= 400) {
    std::string message = !j.is_discarded() && j.contains("error") ? j["error"].get<std::string>() : r->body;
    return Status::InvalidArgument(message);
  }
  if (j.is_discarded()) return Status::Corrupt("the agent answered something that is not JSON");
  return j;
}

// A file only this user can create, holding a token also sent: proof of our uid to the agent
// (see cli/routes_jobs.h). The agent deletes it; so does the destructor, if the agent did not.
class Credential {
 public:
  static Result<Credential> Make() {
    Credential c;
    char path[] = "/tmp/hostmind-cred-XXXXXX";
    const int fd = mkstemp(path);
    if (fd < 0) return Status::FromErrno(errno, "create a credential file in /tmp");
    std::random_device rd;
    static const char kHex[] = "0123456789abcdef";
    for (int i = 0; i < 48; ++i) c.token_ += kHex[rd() % 16];
    const bool ok = fchmod(fd, 0600) == 0 && write(fd, c.token_.data(), c.token_.size()) == static_cast<ssize_t>(c.token_.size());
    close(fd);
    c.path_ = path;
    if (!ok) return Status::FromErrno(errno, "write the credential file " + c.path_);
    return c;
  }
  Credential() = default;
  Credential(Credential&& o) noexcept : path_(std::move(o.path_)), token_(std::move(o.token_)) { o.path_.clear(); }
  ~Credential() {
    if (!path_.empty()) unlink(path_.c_str());
  }
  nlohmann::json Json() const { return {{"path", path_}, {"token", token_}}; }

 private:
  std::string path_;
  std::string token_;
};

// argv[0] as the kernel will run it: through PATH when it has no slash, then made absolute.
Result<std::string> ResolveCommand(const std::string& name) {
  std::string candidate;
  if (name.find('/') != std::string::npos) {
    candidate = name;
  } else {
    const char* path = getenv("PATH");
    std::string dirs = path ? path : "/usr/local/bin:/usr/bin:/bin";
    for (size_t start = 0; start <= dirs.size();) {
      size_t colon = std::min(dirs.find(':', start), dirs.size());
      std::string dir = dirs.substr(start, colon - start);
      std::string full = (dir.empty() ? "." : dir) + "/" + name;
      if (access(full.c_str(), X_OK) == 0) {
        candidate = full;
        break;
      }
      start = colon + 1;
    }
    if (candidate.empty()) return Status::InvalidArgument(name + ": command not found in PATH");
  }
  char real[PATH_MAX];
  if (!realpath(candidate.c_str(), real)) return Status::FromErrno(errno, candidate);
  struct stat st {};
  if (stat(real, &st) != 0 || !S_ISREG(st.st_mode) || access(real, X_OK) != 0)
    return Status::InvalidArgument(candidate + ": not an executable file");
  return std::string(real);
}

std::string Cwd() {
  char buf[PATH_MAX];
  return getcwd(buf, sizeof buf) ? buf : "/";
}

std::string Seconds(double ms) { return ms < 0 ? "-" : FormatDuration(static_cast<TimeMs>(ms)); }

std::string Bytes(uint64_t b) {
  char buf[32];
  if (b == 0) return "-";
  if (b >= (1ull << 30)) std::snprintf(buf, sizeof buf, "%.1fG", b / double(1ull << 30));
  else std::snprintf(buf, sizeof buf, "%.0fM", b / double(1ull << 20));
  return buf;
}

std::string CommandLine(const nlohmann::json& job) {
  std::string out;
  for (const auto& a : job["argv"]) out += (out.empty() ? "" : " ") + a.get<std::string>();
  return out;
}

std::string PredictionLine(const nlohmann::json& p, const char* predicted_key, const char* upper_key) {
  return Seconds(p[predicted_key].get<double>()) + " (at most " + Seconds(p[upper_key].get<double>()) + ", from " +
         p.value("prediction_source", p.value("source", std::string("?"))) + ")";
}

int Fail(const Status& s) {
  std::fprintf(stderr, "hostmind: %s\n", s.message().c_str());
  return s.code() == StatusCode::kInvalidArgument ? 2 : 1;
}

int Submit(const ClientArgs& a, double cpus, const std::string& mem, const std::string& time,
           std::vector<std::string> command) {
  if (command.empty()) return Fail(Status::InvalidArgument("no command: hostmind jobs submit [options] -- CMD ARGS"));
  if (!(cpus > 0)) return Fail(Status::InvalidArgument("--cpus must be more than 0"));
  uint64_t mem_bytes = 0;
  if (!mem.empty()) {
    auto m = ParseSize(mem);
    if (!m.ok()) return Fail(Status::InvalidArgument("--mem '" + mem + "': expected a size like 512MiB or 4G"));
    mem_bytes = *m;
  }
  TimeMs limit = 0;
  if (!time.empty()) {
    auto t = ParseDuration(time);
    if (!t.ok() || *t <= 0) return Fail(Status::InvalidArgument("--time '" + time + "': expected a duration like 90s, 30m or 2h"));
    limit = *t;
  }
  auto exe = ResolveCommand(command[0]);
  if (!exe.ok()) return Fail(exe.status());
  command[0] = *exe;
  auto cred = Credential::Make();
  if (!cred.ok()) return Fail(cred.status());
  std::vector<std::string> env;
  for (char** e = environ; *e; ++e) env.emplace_back(*e);
  nlohmann::json body = {{"argv", command}, {"cwd", Cwd()},        {"env", env},
                         {"cpus", cpus},    {"mem_bytes", mem_bytes}, {"limit_ms", limit},
                         {"credential", cred->Json()}};
  auto job = CallAgent(a, "POST", "/api/v1/jobs", body);
  if (!job.ok()) return Fail(job.status());
  if (a.json) {
    std::printf("%s\n", job->dump().c_str());
    return 0;
  }
  std::printf("job %llu queued: %s\n  %g CPUs, memory %s, limit %s; predicted run time %s\n  output: %s, %s\n",
              static_cast<unsigned long long>((*job)["id"].get<uint64_t>()), CommandLine(*job).c_str(),
              (*job)["cpus"].get<double>(), Bytes((*job)["mem_bytes"].get<uint64_t>()).c_str(),
              Seconds((*job)["limit_ms"].get<double>()).c_str(), PredictionLine(*job, "predicted_ms", "upper_ms").c_str(),
              (*job)["stdout"].get<std::string>().c_str(), (*job)["stderr"].get<std::string>().c_str());
  return 0;
}

int List(const ClientArgs& a, bool all) {
  auto r = CallAgent(a, "GET", all ? "/api/v1/jobs?all=1" : "/api/v1/jobs");
  if (!r.ok()) return Fail(r.status());
  if (a.json) {
    std::printf("%s\n", r->dump().c_str());
    return 0;
  }
  std::printf("%-6s %-9s %-10s %5s %6s %8s %9s %9s %s\n", "ID", "STATE", "USER", "CPUS", "MEM", "LIMIT", "PREDICTED",
              "RAN", "COMMAND");
  for (const auto& j : (*r)["jobs"]) {
    const double start = j["start_ts"].get<double>(), end = j["end_ts"].get<double>();
    std::string ran = start < 0 ? "-" : end < 0 ? "running" : Seconds(end - start);
    std::printf("%-6llu %-9s %-10s %5g %6s %8s %9s %9s %s%s\n", static_cast<unsigned long long>(j["id"].get<uint64_t>()),
                j["state"].get<std::string>().c_str(), j["user"].get<std::string>().c_str(), j["cpus"].get<double>(),
                Bytes(j["mem_bytes"].get<uint64_t>()).c_str(), Seconds(j["limit_ms"].get<double>()).c_str(),
                Seconds(j["predicted_ms"].get<double>()).c_str(), ran.c_str(), CommandLine(j).c_str(),
                j["backfilled"].get<bool>() ? "  [backfilled]" : "");
  }
  const auto& q = (*r)["queue"];
  std::printf("policy %s: %zu running, %zu queued; %g of %g CPUs in use; %s\n", q["policy"].get<std::string>().c_str(),
              q["running"].get<size_t>(), q["queued"].get<size_t>(), q["cpus_used"].get<double>(),
              q["cpus"].get<double>(), q["confinement"].get<std::string>().c_str());
  return 0;
}

int Show(const ClientArgs& a, uint64_t id) {
  auto j = CallAgent(a, "GET", "/api/v1/jobs/" + std::to_string(id));
  if (!j.ok()) return Fail(j.status());
  if (a.json) {
    std::printf("%s\n", j->dump().c_str());
    return 0;
  }
  const auto& v = *j;
  const double submit = v["submit_ts"].get<double>(), start = v["start_ts"].get<double>(), end = v["end_ts"].get<double>();
  std::printf("job %llu: %s%s\n", static_cast<unsigned long long>(id), v["state"].get<std::string>().c_str(),
              v["reason"].get<std::string>().empty() ? "" : (" (" + v["reason"].get<std::string>() + ")").c_str());
  std::printf("  command    %s\n  directory  %s\n  user       %s\n", CommandLine(v).c_str(),
              v["cwd"].get<std::string>().c_str(), v["user"].get<std::string>().c_str());
  std::printf("  asked for  %g CPUs, memory %s, limit %s\n", v["cpus"].get<double>(),
              Bytes(v["mem_bytes"].get<uint64_t>()).c_str(), Seconds(v["limit_ms"].get<double>()).c_str());
  std::printf("  predicted  %s\n", PredictionLine(v, "predicted_ms", "upper_ms").c_str());
  std::printf("  submitted  %s\n", FormatIso8601(static_cast<TimeMs>(submit)).c_str());
  if (start >= 0)
    std::printf("  started    %s after %s waiting%s\n", FormatIso8601(static_cast<TimeMs>(start)).c_str(),
                Seconds(start - submit).c_str(), v["backfilled"].get<bool>() ? " (backfilled)" : "");
  if (end >= 0 && start >= 0)
    std::printf("  ended      %s after %s, exit status %d\n", FormatIso8601(static_cast<TimeMs>(end)).c_str(),
                Seconds(end - start).c_str(), v["exit_code"].get<int>());
  std::printf("  output     %s\n             %s\n", v["stdout"].get<std::string>().c_str(), v["stderr"].get<std::string>().c_str());
  return 0;
}

int Cancel(const ClientArgs& a, uint64_t id) {
  auto cred = Credential::Make();
  if (!cred.ok()) return Fail(cred.status());
  auto j = CallAgent(a, "POST", "/api/v1/jobs/" + std::to_string(id) + "/cancel", {{"credential", cred->Json()}});
  if (!j.ok()) return Fail(j.status());
  if (a.json) std::printf("%s\n", j->dump().c_str());
  else if ((*j)["state"] == "running") std::printf("job %llu: stopping (SIGTERM sent)\n", static_cast<unsigned long long>(id));
  else std::printf("job %llu: %s\n", static_cast<unsigned long long>(id), (*j)["state"].get<std::string>().c_str());
  return 0;
}

// Exits as the job did (0 done; its exit status; 1 when it has none), 124 on timeout.
int Wait(const ClientArgs& a, uint64_t id, const std::string& timeout) {
  TimeMs budget = -1;
  if (!timeout.empty()) {
    auto t = ParseDuration(timeout);
    if (!t.ok()) return Fail(Status::InvalidArgument("--timeout '" + timeout + "': expected a duration"));
    budget = *t;
  }
  SystemClock clock;
  const TimeMs deadline = budget < 0 ? kNever : clock.Now() + budget;
  while (true) {
    const TimeMs slice = std::min<TimeMs>(20000, deadline == kNever ? 20000 : std::max<TimeMs>(deadline - clock.Now(), 0));
    auto j = CallAgent(a, "GET", "/api/v1/jobs/" + std::to_string(id) + "/wait?timeout_ms=" + std::to_string(slice));
    if (!j.ok()) return Fail(j.status());
    const std::string state = (*j)["state"].get<std::string>();
    if (state != "queued" && state != "running") {
      if (a.json) std::printf("%s\n", j->dump().c_str());
      else std::printf("job %llu %s, exit status %d\n", static_cast<unsigned long long>(id), state.c_str(), (*j)["exit_code"].get<int>());
      const int code = (*j)["exit_code"].get<int>();
      return state == "done" ? 0 : code > 0 ? code : 1;
    }
    if (clock.Now() >= deadline) {
      std::fprintf(stderr, "hostmind: job %llu still %s after %s\n", static_cast<unsigned long long>(id), state.c_str(),
                   timeout.c_str());
      return 124;
    }
  }
}

int Predict(const ClientArgs& a, std::vector<std::string> command) {
  if (command.empty()) return Fail(Status::InvalidArgument("no command: hostmind predict -- CMD ARGS"));
  auto exe = ResolveCommand(command[0]);
  if (!exe.ok()) return Fail(exe.status());
  command[0] = *exe;
  auto p = CallAgent(a, "POST", "/api/v1/predict", {{"argv", command}, {"cwd", Cwd()}, {"uid", getuid()}});
  if (!p.ok()) return Fail(p.status());
  if (a.json) {
    std::printf("%s\n", p->dump().c_str());
    return 0;
  }
  const auto& v = *p;
  std::string cmd;
  for (const auto& c : command) cmd += (cmd.empty() ? "" : " ") + c;
  std::printf("%s\n  predicted run time %s; %.0f%% of runs end within %s\n  from: %s (%llu runs learnt, %llu trainings)\n",
              cmd.c_str(), Seconds(v["predicted_ms"].get<double>()).c_str(), 100 * v["quantile"].get<double>(),
              Seconds(v["upper_ms"].get<double>()).c_str(), v["source"].get<std::string>().c_str(),
              static_cast<unsigned long long>(v["predictor"]["learned"].get<uint64_t>()),
              static_cast<unsigned long long>(v["predictor"]["trainings"].get<uint64_t>()));
  for (const char* level : {"exact", "command", "user"}) {
    const auto& h = v["history"][level];
    const char* label = std::string(level) == "exact" ? "this exact command" : std::string(level) == "command" ? "this program" : "your runs";
    if (h["count"].get<uint64_t>() == 0) {
      std::printf("  %-18s no finished run seen\n", label);
      continue;
    }
    std::printf("  %-18s %llu runs; last %s, before %s; mean %s\n", label,
                static_cast<unsigned long long>(h["count"].get<uint64_t>()), Seconds(1000 * h["last1_s"].get<double>()).c_str(),
                Seconds(1000 * h["last2_s"].get<double>()).c_str(), Seconds(1000 * h["mean_s"].get<double>()).c_str());
  }
  return 0;
}

}  // namespace

void AddJobsCommand(CLI::App& app, int& exit_code) {
  static ClientArgs args;
  auto* jobs = app.add_subcommand("jobs", "Submit and follow jobs run by the agent's job queue");
  jobs->require_subcommand(1);
  jobs->add_option("--config", args.config_path, "the agent's config file (for its address and token)");
  jobs->add_flag("--json", args.json, "print the agent's JSON answer");

  auto* submit = jobs->add_subcommand("submit", "Queue a command: hostmind jobs submit [--cpus N] [--mem SIZE] [--time LIMIT] -- CMD ARGS");
  static double cpus = 1;
  static std::string mem, time;
  static std::vector<std::string> command;
  submit->add_option("--cpus", cpus, "CPUs the job needs (it gets no more)")->capture_default_str();
  submit->add_option("--mem", mem, "memory limit, e.g. 512MiB or 4G (default: none)");
  submit->add_option("--time", time, "run-time limit, e.g. 90s, 30m, 2h (the job is killed past it)");
  submit->add_option("command", command, "the command and its arguments, after --")->expected(-1);
  submit->callback([&exit_code] { exit_code = Submit(args, cpus, mem, time, command); });

  auto* list = jobs->add_subcommand("list", "Queued and running jobs");
  static bool all = false;
  list->add_flag("--all", all, "also recently finished jobs");
  list->callback([&exit_code] { exit_code = List(args, all); });

  // One id per subcommand: CLI11 resets an option's variable when its subcommand is not used.
  static uint64_t show_id = 0, cancel_id = 0, wait_id = 0;
  auto* show = jobs->add_subcommand("show", "One job: its state, why, its prediction and output files");
  show->add_option("ID", show_id, "job id")->required();
  show->callback([&exit_code] { exit_code = Show(args, show_id); });

  auto* cancel = jobs->add_subcommand("cancel", "Cancel one of your jobs (queued, or running: SIGTERM, then SIGKILL)");
  cancel->add_option("ID", cancel_id, "job id")->required();
  cancel->callback([&exit_code] { exit_code = Cancel(args, cancel_id); });

  auto* wait = jobs->add_subcommand("wait", "Wait for a job to end; exit as it did");
  static std::string timeout;
  wait->add_option("ID", wait_id, "job id")->required();
  wait->add_option("--timeout", timeout, "give up after this long (exit 124)");
  wait->callback([&exit_code] { exit_code = Wait(args, wait_id, timeout); });
}

void AddPredictCommand(CLI::App& app, int& exit_code) {
  static ClientArgs args;
  static std::vector<std::string> command;
  auto* cmd = app.add_subcommand("predict", "Predict a command's run time: hostmind predict -- CMD ARGS");
  cmd->add_option("--config", args.config_path, "the agent's config file (for its address and token)");
  cmd->add_flag("--json", args.json, "print the agent's JSON answer");
  cmd->add_option("command", command, "the command and its arguments, after --")->expected(-1);
  cmd->callback([&exit_code] { exit_code = Predict(args, command); });
}

void AddJobShimCommand(CLI::App& app, int& exit_code) {
  static std::string status;
  static std::vector<std::string> command;
  auto* cmd = app.add_subcommand("job-shim", "");  // no description: hidden from --help
  cmd->group("");
  cmd->add_option("--status", status, "where to write the exit status")->required();
  cmd->add_option("command", command)->expected(-1)->required();
  cmd->callback([&exit_code] { exit_code = RunJobShim(status, command); });
}

}  // namespace hostmind::cli
