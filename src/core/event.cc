#include "core/event.h"

namespace hostmind {

namespace {
struct TypeName {
  const char* operator()(const ProcessExec&) const { return "exec"; }
  const char* operator()(const ProcessExit&) const { return "exit"; }
  const char* operator()(const LogRecord&) const { return "log"; }
  const char* operator()(const ProcessFork&) const { return "fork"; }
  const char* operator()(const FileOpen&) const { return "open"; }
  const char* operator()(const NetConnection& c) const {
    return c.direction == NetConnection::Direction::kOutbound ? "connect" : "accept";
  }
  const char* operator()(const CredentialChange&) const { return "cred"; }
  const char* operator()(const ModuleLoad&) const { return "module"; }
  const char* operator()(const PtraceRequest&) const { return "ptrace"; }
  const char* operator()(const SyscallProfile&) const { return "syscalls"; }
};
}  // namespace

const char* EventTypeName(const EventBody& body) { return std::visit(TypeName{}, body); }

int32_t EventPid(const EventBody& body) {
  return std::visit([](const auto& e) -> int32_t { return e.pid; }, body);
}

bool FileOpen::Writes() const {
  // O_WRONLY 01, O_RDWR 02, O_CREAT 0100, O_TRUNC 01000
  return (flags & 03) != 0 || (flags & 0100) != 0 || (flags & 01000) != 0;
}

const char* LogSourceName(LogSource source) {
  switch (source) {
    case LogSource::kJournal: return "journal";
    case LogSource::kKernel: return "kernel";
    case LogSource::kFile: return "file";
  }
  return "unknown";
}

}  // namespace hostmind
