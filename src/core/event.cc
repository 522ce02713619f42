#include "core/event.h"

namespace hostmind {

namespace {
struct TypeName {
  const char* operator()(const ProcessExec&) const { return "exec"; }
  const char* operator()(const ProcessExit&) const { return "exit"; }
  const char* operator()(const LogRecord&) const { return "log"; }
};
}  // namespace

const char* EventTypeName(const EventBody& body) { return std::visit(TypeName{}, body); }

const char* LogSourceName(LogSource source) {
  switch (source) {
    case LogSource::kJournal: return "journal";
    case LogSource::kKernel: return "kernel";
    case LogSource::kFile: return "file";
  }
  return "unknown";
}

}  // namespace hostmind
