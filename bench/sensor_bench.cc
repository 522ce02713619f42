// Sensor benchmarks, ending with one JSON object of the headline figures.
//
//   hostmind-sensor-bench overhead [--calls N]   getppid() ns/call: no BPF, a bare counting
//                                                tp_btf program, the full sensor (side by side)
//   hostmind-sensor-bench storm [--execs N] [--connects N]
//   hostmind-sensor-bench all                    both, one JSON object at the end
//                                                exec and connect storms at the default buffer
//                                                sizes: events received vs expected, lost
//                                                events, and the sensor's CPU
//
// The measured loops and storms run in child processes: the sensor ignores its own process.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include <bpf/libbpf.h>

#include "bench_count.skel.h"
#include "collect/sensor/bpf_sensor.h"

extern char** environ;

namespace hostmind {
namespace {

using Clock = std::chrono::steady_clock;

double Seconds(Clock::time_point a, Clock::time_point b) { return std::chrono::duration<double>(b - a).count(); }

// Runs `body` in a child process and returns the double it writes back.
double InChild(const std::function<double()>& body) {
  int fds[2];
  if (pipe(fds) != 0) return -1;
  pid_t pid = fork();
  if (pid == 0) {
    close(fds[0]);
    double v = body();
    (void)!write(fds[1], &v, sizeof(v));
    _exit(0);
  }
  close(fds[1]);
  double v = -1;
  (void)!read(fds[0], &v, sizeof(v));
  close(fds[0]);
  waitpid(pid, nullptr, 0);
  return v;
}

double ThreadCpuNs() {
  timespec t{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) * 1e9 + static_cast<double>(t.tv_nsec);
}

// CPU ns per getppid() over `calls` calls, in a child process. CPU time, not wall time: BPF
// programs run in the caller's context and are charged to it, while wall time on a shared
// machine mostly measures the other tenants.
double GetppidNs(long calls) {
  return InChild([calls] {
    double t0 = ThreadCpuNs();
    for (long i = 0; i < calls; ++i) syscall(SYS_getppid);
    return (ThreadCpuNs() - t0) / static_cast<double>(calls);
  });
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? -1 : v[v.size() / 2];
}

// One configuration's runs: ns per call, and ns added over the sensor-off runs of the same round.
struct ConfigRuns {
  std::vector<double> ns, added;
};

// Prints the human-readable table; returns the headline figures (null on failure).
// The configurations are interleaved round by round (off, bare counter, sensor without
// profiles, full sensor, off again), and each round's cost is taken against the mean of that
// round's two sensor-off runs: load on a shared machine drifts over seconds, and measuring each
// configuration in one block would charge that drift to whichever ran during it.
nlohmann::ordered_json Overhead(long calls) {
  const int rounds = 9;
  ConfigRuns off, bare, lite, full;
  SensorOptions no_profiles;
  no_profiles.syscall_profiles = false;
  for (int round = 0; round < rounds; ++round) {
    double off_before = GetppidNs(calls);
    bench_count_bpf* counter = bench_count_bpf::open_and_load();
    if (!counter || bench_count_bpf::attach(counter) != 0) {
      std::fprintf(stderr, "cannot load the counting program (root and BTF needed)\n");
      return nullptr;
    }
    double bare_ns = GetppidNs(calls);
    bench_count_bpf::destroy(counter);
    double lite_ns = -1;
    if (auto sensor = BpfSensor::Start(no_profiles); sensor.ok()) lite_ns = GetppidNs(calls);
    auto sensor = BpfSensor::Start(SensorOptions{});
    if (!sensor.ok()) {
      std::fprintf(stderr, "%s\n", sensor.status().ToString().c_str());
      return nullptr;
    }
    double full_ns = GetppidNs(calls);
    sensor->reset();
    double off_after = GetppidNs(calls);
    double base = (off_before + off_after) / 2;
    off.ns.push_back(off_before), off.ns.push_back(off_after);
    for (auto [runs, ns] : {std::pair{&bare, bare_ns}, {&lite, lite_ns}, {&full, full_ns}}) {
      runs->ns.push_back(ns);
      runs->added.push_back(ns - base);
    }
  }
  std::printf("getppid() CPU ns/call, medians over %d interleaved rounds of %ld calls each:\n", rounds, calls);
  std::printf("  sensor off            %7.1f\n", Median(off.ns));
  std::printf("  bare counting tp_btf  %7.1f  (+%.1f)\n", Median(bare.ns), Median(bare.added));
  std::printf("  sensor, no profiles   %7.1f  (+%.1f)\n", Median(lite.ns), Median(lite.added));
  std::printf("  full sensor+profiles  %7.1f  (+%.1f)\n", Median(full.ns), Median(full.added));
  auto [lo, hi] = std::minmax_element(full.added.begin(), full.added.end());
  std::printf("  full sensor added, per round: min %.1f, max %.1f\n", *lo, *hi);
  nlohmann::ordered_json out = {{"benchmark", "sensor_overhead"},
                                {"calls", calls},
                                {"rounds", rounds},
                                {"off_ns", Median(off.ns)},
                                {"bare_counter_ns", Median(bare.ns)},
                                {"sensor_no_profiles_ns", Median(lite.ns)},
                                {"full_sensor_ns", Median(full.ns)},
                                {"added_ns_full_sensor", Median(full.added)},
                                {"added_ns_full_sensor_min", *lo},
                                {"added_ns_full_sensor_max", *hi},
                                {"added_ns_sensor_no_profiles", Median(lite.added)},
                                {"added_ns_bare_counter", Median(bare.added)},
                                {"target_added_ns", 100}};
  return out;
}

double CpuSeconds() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  auto s = [](const timeval& t) { return static_cast<double>(t.tv_sec) + t.tv_usec / 1e6; };
  return s(ru.ru_utime) + s(ru.ru_stime);
}

struct StormResult {
  double seconds = 0;
  double rate = 0;
  uint64_t expected = 0;
  uint64_t received = 0;
  double sensor_cpu = 0;  // CPU seconds of the sensor process per wall second
};

// Runs `storm` in a child while draining the sensor; counts events accepted by `counts`.
StormResult RunStorm(BpfSensor& sensor, uint64_t expected, const std::function<void()>& storm,
                     const std::function<bool(const Event&)>& counts) {
  std::vector<Event> drained;
  sensor.Drain(drained);
  drained.clear();
  StormResult r;
  r.expected = expected;
  double cpu0 = CpuSeconds();
  auto t0 = Clock::now();
  pid_t child = fork();
  if (child == 0) {
    storm();
    _exit(0);
  }
  int status = 0;
  while (waitpid(child, &status, WNOHANG) == 0) {
    sensor.Drain(drained);
    for (const Event& ev : drained) r.received += counts(ev);
    drained.clear();
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  r.seconds = Seconds(t0, Clock::now());
  std::this_thread::sleep_for(std::chrono::milliseconds(500));  // let the ring buffer drain
  sensor.Drain(drained);
  for (const Event& ev : drained) r.received += counts(ev);
  r.sensor_cpu = (CpuSeconds() - cpu0) / Seconds(t0, Clock::now());
  r.rate = static_cast<double>(expected) / r.seconds;
  return r;
}

void ExecStorm(int execs) {
  // Two spawners, as many processes as the machine starts.
  auto spawn_some = [](int n) {
    char arg0[] = "true";
    char* argv[] = {arg0, nullptr};
    for (int i = 0; i < n; ++i) {
      pid_t pid;
      if (posix_spawn(&pid, "/bin/true", nullptr, nullptr, argv, environ) == 0) waitpid(pid, nullptr, 0);
    }
  };
  pid_t other = fork();
  if (other == 0) {
    spawn_some(execs / 2);
    _exit(0);
  }
  spawn_some(execs - execs / 2);
  waitpid(other, nullptr, 0);
}

void ConnectStorm(int connects) {
  int listener = socket(AF_INET, SOCK_STREAM, 0);
  int one = 1;
  setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  listen(listener, 1024);
  socklen_t len = sizeof(addr);
  getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len);
  for (int i = 0; i < connects; ++i) {
    int c = socket(AF_INET, SOCK_STREAM, 0);
    linger lg{1, 0};  // reset on close: no TIME_WAIT pile-up
    setsockopt(c, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
    if (connect(c, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0) {
      int a = accept(listener, nullptr, nullptr);
      if (a >= 0) close(a);
    }
    close(c);
  }
  close(listener);
}

nlohmann::ordered_json Storm(int execs, int connects) {
  SensorOptions defaults;  // default ring buffer and queue sizes
  auto sensor = BpfSensor::Start(defaults);
  if (!sensor.ok()) {
    std::fprintf(stderr, "%s\n", sensor.status().ToString().c_str());
    return nullptr;
  }
  BpfSensor& s = **sensor;
  uint64_t lost0 = s.LostRecords();
  StormResult exec = RunStorm(s, static_cast<uint64_t>(execs), [execs] { ExecStorm(execs); }, [](const Event& ev) {
    const auto* e = std::get_if<ProcessExec>(&ev.body);
    return e && e->comm == "true";
  });
  StormResult conn = RunStorm(s, 2ull * connects, [connects] { ConnectStorm(connects); }, [](const Event& ev) {
    const auto* c = std::get_if<NetConnection>(&ev.body);
    return c && c->comm == "hostmind-sensor" && c->remote_addr == "127.0.0.1";
  });
  uint64_t lost = s.LostRecords() - lost0;
  auto line = [](const char* name, const StormResult& r) {
    std::printf("%-14s %8.0f/s over %5.2f s: %llu of %llu events received, sensor CPU %.1f%%\n", name, r.rate,
                r.seconds, static_cast<unsigned long long>(r.received), static_cast<unsigned long long>(r.expected),
                100 * r.sensor_cpu);
  };
  line("exec storm", exec);
  line("connect storm", conn);
  std::printf("lost in the kernel: %llu, dropped in user space: see hostmind_sensor_queue_dropped_total\n",
              static_cast<unsigned long long>(lost));
  auto json = [](const StormResult& r) {
    return nlohmann::ordered_json{{"per_second", r.rate}, {"seconds", r.seconds}, {"expected", r.expected},
                                  {"received", r.received}, {"sensor_cpu_percent", 100 * r.sensor_cpu}};
  };
  nlohmann::ordered_json out = {{"benchmark", "sensor_storm"},
                                {"ring_buffer_bytes", defaults.ring_buffer_bytes},
                                {"exec_storm", json(exec)},
                                {"connect_storm", json(conn)},
                                {"lost_events", lost},
                                {"missing_events", (exec.expected - std::min(exec.expected, exec.received)) +
                                                       (conn.expected - std::min(conn.expected, conn.received))}};
  out["complete"] = lost == 0 && exec.received == exec.expected && conn.received == conn.expected;
  return out;
}

long Arg(int argc, char** argv, const char* name, long fallback) {
  for (int i = 2; i + 1 < argc; ++i)
    if (std::strcmp(argv[i], name) == 0) return std::atol(argv[i + 1]);
  return fallback;
}

}  // namespace
}  // namespace hostmind

int main(int argc, char** argv) {
  using hostmind::Arg;
  std::string mode = argc > 1 ? argv[1] : "";
  if (mode != "overhead" && mode != "storm" && mode != "all") {
    std::fprintf(stderr, "usage: %s overhead|storm|all [--calls N] [--execs N] [--connects N]\n", argv[0]);
    return 2;
  }
  nlohmann::ordered_json out = {{"benchmark", "sensor"}};
  bool ok = true;
  if (mode != "storm") {
    out["overhead"] = hostmind::Overhead(Arg(argc, argv, "--calls", 2000000));
    ok &= !out["overhead"].is_null();
  }
  if (mode != "overhead") {
    out["storm"] = hostmind::Storm(static_cast<int>(Arg(argc, argv, "--execs", 20000)),
                                   static_cast<int>(Arg(argc, argv, "--connects", 20000)));
    ok &= !out["storm"].is_null() && out["storm"]["complete"].get<bool>();
  }
  std::printf("%s\n", out.dump().c_str());
  return ok ? 0 : 1;
}
