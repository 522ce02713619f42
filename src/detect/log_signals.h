#pragma once
// What the log analyzer reads out of a log line besides its template: the failure it reports
// (an OOM kill, an I/O error, a segfault, a unit failing), the message behind a syslog header
// in plain log files, and an identifier that ties lines into a session (an HDFS block, a job,
// a request id).
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/event.h"

namespace hostmind {

// The failure kind a line reports: "oom_kill", "io_error", "segfault", "kernel_bug",
// "hung_task", "unit_failed", "unit_restart"; nullopt for an ordinary line.
std::optional<std::string> FailureKindOf(const LogRecord& log);

// The message of a plain-file syslog line ("Nov 25 00:12:01 host sshd[42]: msg" or an RFC 3339
// stamp instead of the first three fields); the line itself when it has no such header.
std::string_view StripSyslogHeader(std::string_view line);

// The first parameter that looks like an object identifier: a word, '_', then a number
// ("blk_-1608999687919862906", "attempt_1445_0020_m_000000_0", "job_1445"), or a UUID.
std::optional<std::string_view> SessionIdOf(const std::vector<std::string_view>& params);

}  // namespace hostmind
