#pragma once
// Events: things that happened on the host, as typed records. Sources (the /proc scanner, the
// eBPF sensor, the log collectors) produce them; detectors and sinks consume them.
#include <cstdint>
#include <string>
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
};

struct ProcessExit {
  int32_t pid = 0;
  int32_t ppid = 0;
  uint32_t uid = 0;
  std::string comm;
  int32_t exit_code = 0;   // exit status, or 128+signal when killed
  TimeMs runtime_ms = 0;   // wall time since exec/fork, -1 when unknown
};

enum class LogSource { kJournal, kKernel, kFile };

struct LogRecord {
  LogSource source = LogSource::kFile;
  std::string origin;    // unit or identifier (journal), "kernel", or the file path
  int priority = 6;      // syslog priority 0 (emerg) .. 7 (debug)
  int32_t pid = 0;       // 0 when unknown
  std::string message;
};

using EventBody = std::variant<ProcessExec, ProcessExit, LogRecord>;

struct Event {
  TimeMs ts = 0;
  EventBody body;
};

// "exec", "exit", "log": the name used in the store, the API and rule conditions.
const char* EventTypeName(const EventBody& body);
const char* LogSourceName(LogSource source);

}  // namespace hostmind
