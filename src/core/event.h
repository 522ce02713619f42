#pragma once
// Events: things that happened on the host, as typed records. Sources (the /proc scanner, the
// eBPF sensor, the log collectors) produce them; detectors and sinks consume them.
#include <climits>
#include <cstdint>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "core/clock.h"

namespace hostmind {

struct ProcessExec {
  int32_t pid = 0;
  int32_t ppid = 0;
  uint32_t uid = 0;
  std::string comm;
  std::string exe;                 // resolved executable path
  std::vector<std::string> argv;   // may be a prefix of the real argv
  std::string cwd;
  std::string cgroup;              // cgroup path (v2 path where available)
  uint32_t euid = 0;               // differs from uid after a set-user-ID exec
  uint64_t cgroup_id = 0;          // v2 cgroup id (inode), 0 when unknown
  uint32_t mnt_ns = 0, pid_ns = 0, net_ns = 0;  // namespace inode numbers, 0 when unknown
};

struct ProcessExit {
  int32_t pid = 0;
  int32_t ppid = 0;
  uint32_t uid = 0;
  std::string comm;
  int32_t exit_code = 0;   // exit status, or 128+signal when killed
  TimeMs runtime_ms = 0;   // wall time since exec/fork, -1 when unknown
};

// A new process (not a thread); an exec may follow.
struct ProcessFork {
  int32_t pid = 0;
  int32_t ppid = 0;
  uint32_t uid = 0;
  std::string comm;  // the parent's name: the child runs the parent's program until it execs
};

// An open(2)/openat(2)/openat2(2)/creat(2) of a path under the sensor's configured prefixes.
struct FileOpen {
  int32_t pid = 0;
  uint32_t uid = 0;
  std::string comm;
  std::string path;   // as passed to the call
  static constexpr int32_t kResultUnknown = INT32_MIN;
  int32_t flags = 0;  // O_* flags
  // The fd, or -errno when the open failed, or kResultUnknown when the sensor saw the call on
  // entry (its default: see security.sensor.syscall_results).
  int32_t result = 0;
  bool Writes() const;  // opened for writing, creating or truncating
};

// A TCP connection: outbound (connect) or inbound (accept).
struct NetConnection {
  enum class Direction { kOutbound, kInbound };
  int32_t pid = 0;
  uint32_t uid = 0;
  std::string comm;
  Direction direction = Direction::kOutbound;
  std::string local_addr;   // "10.0.0.1" or "::1"
  uint16_t local_port = 0;
  std::string remote_addr;
  uint16_t remote_port = 0;
};

// A credential change (setuid/setgid family or capset): made, or requested when `attempt`.
struct CredentialChange {
  int32_t pid = 0;
  std::string comm;
  std::string call;  // "setuid", "setresuid", "capset", ...
  uint32_t old_uid = 0, old_euid = 0;
  uint32_t uid = 0, euid = 0, gid = 0;  // after the change (as requested, for attempts)
  uint64_t cap_effective = 0;
  bool attempt = false;  // seen on entry: requested, success unknown
};

// A kernel module load was requested (init_module or finit_module), whether or not it succeeded.
struct ModuleLoad {
  int32_t pid = 0;
  uint32_t uid = 0;
  std::string comm;
  std::string call;  // "init_module" or "finit_module"
  std::string name;  // the module file's name for finit_module, else ""
};

// A ptrace(2) request that takes control of another process (attach, seize, poke).
struct PtraceRequest {
  int32_t pid = 0;
  uint32_t uid = 0;
  std::string comm;
  std::string request;  // "attach", "seize", "poketext", "pokedata", "pokeuser"
  int32_t target_pid = 0;
};

// A process's syscall profile, aggregated in the kernel and sent when it exits.
struct SyscallProfile {
  int32_t pid = 0;
  std::string comm;
  std::vector<std::pair<int32_t, uint32_t>> counts;  // (x86_64 syscall number, calls), sorted
  std::vector<uint32_t> ngram_sketch;                // hashed syscall 3-grams, fixed size
};

enum class LogSource { kJournal, kKernel, kFile };

struct LogRecord {
  LogSource source = LogSource::kFile;
  std::string origin;    // unit or identifier (journal), "kernel", or the file path
  int priority = 6;      // syslog priority 0 (emerg) .. 7 (debug)
  int32_t pid = 0;       // 0 when unknown
  std::string message;
};

using EventBody = std::variant<ProcessExec, ProcessExit, LogRecord, ProcessFork, FileOpen, NetConnection,
                               CredentialChange, ModuleLoad, PtraceRequest, SyscallProfile>;

struct Event {
  TimeMs ts = 0;
  EventBody body;
};

// "exec", "exit", "log", "fork", "open", "connect", "accept", "cred", "module", "ptrace",
// "syscalls": the name used in the store and the API.
const char* EventTypeName(const EventBody& body);
const char* LogSourceName(LogSource source);
// The process an event is about, or 0 (log records without a pid).
int32_t EventPid(const EventBody& body);

}  // namespace hostmind
