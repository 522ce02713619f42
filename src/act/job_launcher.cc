#include "act/job_launcher.h"

#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>

namespace hostmind {
namespace {

constexpr uint64_t kCpuPeriodUs = 100000;

Status WriteFile(const std::string& path, const std::string& text) {
  int fd = open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) return Status::FromErrno(errno, "open " + path);
  ssize_t n = write(fd, text.data(), text.size());
  int err = errno;
  close(fd);
  if (n != static_cast<ssize_t>(text.size())) return Status::FromErrno(err, "write '" + text + "' to " + path);
  return Status::Ok();
}

std::string ReadSmallFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Closes its descriptors when the launch returns, whichever way.
struct Fds {
  std::vector<int> fds;
  int Add(int fd) {
    if (fd >= 0) fds.push_back(fd);
    return fd;
  }
  ~Fds() {
    for (int fd : fds) close(fd);
  }
};

// What the pre-exec child reports through its error pipe when a step fails.
struct ChildFailure {
  int step;
  int err;
};
constexpr const char* kSteps[] = {"wait for the cgroups", "switch to the job's user", "enter the working directory",
                                  "start the supervisor"};

[[noreturn]] void ChildFail(int fd, int step) {
  ChildFailure f{step, errno};
  ssize_t ignored = write(fd, &f, sizeof f);
  (void)ignored;
  _exit(127);
}

}  // namespace

uint64_t ProcessStartTicks(int32_t pid) {
  std::string stat = ReadSmallFile("/proc/" + std::to_string(pid) + "/stat");
  size_t paren = stat.rfind(')');
  if (paren == std::string::npos) return 0;
  std::istringstream fields(stat.substr(paren + 2));
  std::string field;
  for (int i = 0; i < 20 && fields >> field; ++i)
    if (i == 19) return std::strtoull(field.c_str(), nullptr, 10);  // field 22: starttime
  return 0;
}

JobLauncher::JobLauncher(JobCgroupRoots roots, std::string shim) : roots_(std::move(roots)), shim_(std::move(shim)) {}

std::string JobLauncher::Describe() const {
  auto one = [](const char* name, const std::string& dir, bool v2) {
    return std::string(name) + ": " + (dir.empty() ? "unavailable (jobs run without this limit)" : (v2 ? "v2 " : "v1 ") + dir);
  };
  return one("cpu", roots_.cpu, roots_.cpu_v2) + "; " + one("memory", roots_.memory, roots_.memory_v2);
}

std::vector<std::string> JobLauncher::JobCgroups(const Job& job) const {
  std::vector<std::string> dirs;
  const std::string leaf = "/job-" + std::to_string(job.id);
  if (!roots_.cpu.empty()) dirs.push_back(roots_.cpu + leaf);
  if (!roots_.memory.empty() && roots_.memory != roots_.cpu) dirs.push_back(roots_.memory + leaf);
  return dirs;
}

Status JobLauncher::PrepareCgroups(const Job& job) {
  const std::string leaf = "/job-" + std::to_string(job.id);
  auto make = [](const std::string& root, const std::string& dir, bool v2, const char* controller) -> Status {
    std::error_code ec;
    std::filesystem::create_directories(root, ec);
    if (ec) return Status::FromErrno(ec.value(), "create cgroup " + root);
    // v2 hands a controller down one level at a time: the root's parent to the root, the root
    // to the job. (Already enabled is fine; a parent with processes of its own refuses.)
    if (v2) HM_RETURN_IF_ERROR(WriteFile(root + "/cgroup.subtree_control", std::string("+") + controller));
    if (mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) return Status::FromErrno(errno, "create cgroup " + dir);
    return Status::Ok();
  };
  const JobSpec& s = job.spec;
  if (!roots_.cpu.empty()) {
    const std::string dir = roots_.cpu + leaf;
    HM_RETURN_IF_ERROR(make(roots_.cpu, dir, roots_.cpu_v2, "cpu"));
    const uint64_t quota = std::max<uint64_t>(1000, static_cast<uint64_t>(s.cpus * kCpuPeriodUs));
    if (roots_.cpu_v2) {
      HM_RETURN_IF_ERROR(WriteFile(dir + "/cpu.max", std::to_string(quota) + " " + std::to_string(kCpuPeriodUs)));
    } else {
      HM_RETURN_IF_ERROR(WriteFile(dir + "/cpu.cfs_period_us", std::to_string(kCpuPeriodUs)));
      HM_RETURN_IF_ERROR(WriteFile(dir + "/cpu.cfs_quota_us", std::to_string(quota)));
    }
  }
  if (!roots_.memory.empty() && s.mem_bytes > 0) {
    const std::string dir = roots_.memory + leaf;
    HM_RETURN_IF_ERROR(make(roots_.memory, dir, roots_.memory_v2, "memory"));
    HM_RETURN_IF_ERROR(WriteFile(dir + (roots_.memory_v2 ? "/memory.max" : "/memory.limit_in_bytes"),
                                 std::to_string(s.mem_bytes)));
  } else if (!roots_.memory.empty()) {
    HM_RETURN_IF_ERROR(make(roots_.memory, roots_.memory + leaf, roots_.memory_v2, "memory"));
  }
  return Status::Ok();
}

Result<LaunchedJob> JobLauncher::Launch(const Job& job) {
  const JobSpec& s = job.spec;
  const std::string where = "job " + std::to_string(job.id);
  if (s.argv.empty()) return Status::InvalidArgument(where + ": no command");
  std::error_code ec;
  std::filesystem::create_directories(job.dir, ec);
  if (ec) return Status::IoError(where + ": create " + job.dir + ": " + ec.message());
  if (chown(job.dir.c_str(), s.uid, s.gid) != 0) return Status::FromErrno(errno, where + ": chown " + job.dir);
  HM_RETURN_IF_ERROR(PrepareCgroups(job));

  // Everything that allocates happens before fork: the child of a threaded process may only
  // make async-signal-safe calls until it execs.
  Fds fds;
  auto open_output = [&](const char* name) {
    const std::string path = job.dir + "/" + name;
    int fd = fds.Add(open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640));
    if (fd >= 0 && fchown(fd, s.uid, s.gid) != 0) return -1;
    return fd;
  };
  const int out = open_output("stdout");
  const int err = open_output("stderr");
  const int devnull = fds.Add(open("/dev/null", O_RDONLY | O_CLOEXEC));
  if (out < 0 || err < 0 || devnull < 0) return Status::FromErrno(errno, where + ": open output files in " + job.dir);

  std::vector<gid_t> groups(64);
  int ngroups = static_cast<int>(groups.size());
  struct passwd pw {};
  struct passwd* found = nullptr;
  char pwbuf[4096];
  if (getpwuid_r(s.uid, &pw, pwbuf, sizeof pwbuf, &found) == 0 && found) {
    if (getgrouplist(pw.pw_name, s.gid, groups.data(), &ngroups) < 0) {
      groups.resize(ngroups);
      getgrouplist(pw.pw_name, s.gid, groups.data(), &ngroups);
    }
  } else {
    groups[0] = s.gid;
    ngroups = 1;
  }

  std::vector<std::string> args = {shim_, "job-shim", "--status", job.dir + "/status", "--"};
  args.insert(args.end(), s.argv.begin(), s.argv.end());
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::vector<std::string> env_strings = s.env;
  env_strings.push_back("HOSTMIND_JOB_ID=" + std::to_string(job.id));
  std::vector<char*> envp;
  for (auto& e : env_strings) envp.push_back(e.data());
  envp.push_back(nullptr);

  int sync_pipe[2], err_pipe[2];
  if (pipe2(sync_pipe, O_CLOEXEC) != 0) return Status::FromErrno(errno, where + ": pipe");
  fds.Add(sync_pipe[0]);
  fds.Add(sync_pipe[1]);
  if (pipe2(err_pipe, O_CLOEXEC) != 0) return Status::FromErrno(errno, where + ": pipe");
  fds.Add(err_pipe[0]);
  fds.Add(err_pipe[1]);

  const pid_t pid = fork();
  if (pid < 0) return Status::FromErrno(errno, where + ": fork");
  if (pid == 0) {
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    for (int sig : {SIGPIPE, SIGINT, SIGTERM, SIGHUP, SIGCHLD}) signal(sig, SIG_DFL);
    char go;
    while (read(sync_pipe[0], &go, 1) < 0 && errno == EINTR) {
    }
    if (go != 'g') ChildFail(err_pipe[1], 0);
    setsid();
    dup2(devnull, 0);
    dup2(out, 1);
    dup2(err, 2);
    if (setgroups(ngroups, groups.data()) != 0 || setgid(s.gid) != 0 || setuid(s.uid) != 0) ChildFail(err_pipe[1], 1);
    if (chdir(s.cwd.c_str()) != 0) ChildFail(err_pipe[1], 2);
    // Only the error pipe (close-on-exec) survives into the supervisor... until exec succeeds.
    const unsigned keep = static_cast<unsigned>(err_pipe[1]);
    if (keep > 3) close_range(3, keep - 1, 0);
    close_range(keep + 1, ~0U, 0);
    execve(shim_.c_str(), argv.data(), envp.data());
    ChildFail(err_pipe[1], 3);
  }
  close(sync_pipe[0]);
  close(err_pipe[1]);
  fds.fds.erase(std::remove_if(fds.fds.begin(), fds.fds.end(),
                               [&](int fd) { return fd == sync_pipe[0] || fd == err_pipe[1]; }),
                fds.fds.end());
  // Into the job's cgroups before it runs a single instruction of its own.
  Status placed = Status::Ok();
  for (const auto& dir : JobCgroups(job)) {
    placed = WriteFile(dir + "/cgroup.procs", std::to_string(pid));
    if (!placed.ok()) break;
  }
  const char go = placed.ok() ? 'g' : 'x';
  ssize_t ignored = write(sync_pipe[1], &go, 1);
  (void)ignored;
  ChildFailure failure{};
  ssize_t n;
  while ((n = read(err_pipe[0], &failure, sizeof failure)) < 0 && errno == EINTR) {
  }
  if (!placed.ok() || n > 0) {
    int status = 0;
    waitpid(pid, &status, 0);
    if (!placed.ok()) return Status(placed.code(), where + ": " + placed.message());
    const std::string step = failure.step >= 0 && failure.step < 4 ? kSteps[failure.step] : "start";
    return Status::FromErrno(failure.err, where + ": " + step + " (" +
                                              (failure.step == 2 ? s.cwd : failure.step == 1 ? s.user : shim_) + ")");
  }
  return LaunchedJob{pid, ProcessStartTicks(pid)};
}

JobCheck JobLauncher::Check(const Job& job) {
  auto from_status_file = [&]() -> std::optional<int> {
    std::istringstream in(ReadSmallFile(job.dir + "/status"));
    std::string kind;
    int value = 0;
    if (!(in >> kind >> value)) return std::nullopt;
    return kind == "signal" ? 128 + value : value;
  };
  int status = 0;
  const pid_t r = waitpid(job.pid, &status, WNOHANG);
  if (r == 0) return {JobLiveness::kRunning, -1};
  if (r == job.pid) {
    if (auto code = from_status_file()) return {JobLiveness::kExited, *code};
    // The supervisor itself was killed (a cancel or a limit): its own status says how.
    return {JobLiveness::kExited, WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status)};
  }
  // Not our child: started by an earlier agent.
  if (job.pid_start_ticks != 0 && ProcessStartTicks(job.pid) == job.pid_start_ticks) return {JobLiveness::kRunning, -1};
  if (auto code = from_status_file()) return {JobLiveness::kExited, *code};
  return {JobLiveness::kLost, -1};
}

Status JobLauncher::Signal(const Job& job, int sig) {
  Status result = Status::Ok();
  for (const auto& dir : JobCgroups(job)) {
    std::istringstream procs(ReadSmallFile(dir + "/cgroup.procs"));
    for (pid_t p; procs >> p;)
      if (kill(p, sig) != 0 && errno != ESRCH) result = Status::FromErrno(errno, "kill " + std::to_string(p));
  }
  // The process group covers a host without cgroups (the supervisor leads its session).
  if (job.pid > 0 && kill(-job.pid, sig) != 0 && errno != ESRCH) result = Status::FromErrno(errno, "kill job group");
  return result;
}

void JobLauncher::Cleanup(const Job& job) {
  for (const auto& dir : JobCgroups(job)) rmdir(dir.c_str());
}

// --- the supervisor ---

namespace {

volatile sig_atomic_t g_child = 0;

void ForwardSignal(int sig) {
  if (g_child > 0) kill(g_child, sig);
}

}  // namespace

int RunJobShim(const std::string& status_path, const std::vector<std::string>& command) {
  if (command.empty()) return 2;
  std::vector<std::string> args = command;
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  sigset_t forwarded, old;
  sigemptyset(&forwarded);
  for (int sig : {SIGTERM, SIGINT, SIGHUP}) sigaddset(&forwarded, sig);
  sigprocmask(SIG_BLOCK, &forwarded, &old);
  const pid_t pid = fork();
  if (pid < 0) return 127;
  if (pid == 0) {
    sigprocmask(SIG_SETMASK, &old, nullptr);
    execv(argv[0], argv.data());
    const char* msg = strerror(errno);
    dprintf(2, "hostmind: cannot run %s: %s\n", argv[0], msg);
    _exit(127);
  }
  g_child = pid;
  struct sigaction sa {};
  sa.sa_handler = ForwardSignal;
  sa.sa_flags = SA_RESTART;
  for (int sig : {SIGTERM, SIGINT, SIGHUP}) sigaction(sig, &sa, nullptr);
  sigprocmask(SIG_SETMASK, &old, nullptr);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  const bool signaled = WIFSIGNALED(status);
  const int value = signaled ? WTERMSIG(status) : WEXITSTATUS(status);
  const std::string tmp = status_path + ".tmp";
  if (FILE* f = fopen(tmp.c_str(), "w")) {
    fprintf(f, "%s %d\n", signaled ? "signal" : "exit", value);
    fflush(f);
    fsync(fileno(f));
    fclose(f);
    rename(tmp.c_str(), status_path.c_str());
  }
  return signaled ? 128 + value : value;
}

}  // namespace hostmind
