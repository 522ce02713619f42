#pragma once
// The Falco fields our events carry, and how to read them from an event. A field that does not
// apply to an event (fd.name on an exec) is "absent", and every comparison on it is false, as in
// Falco. Fields we do not carry (k8s.*, container.image.*, proc.tty, ...) are not listed: rules
// that use them are reported and skipped by the compiler.
#include <cstdint>
#include <functional>
#include <string>

#include "core/event.h"
#include "detect/process_table.h"

namespace hostmind::rules {

enum class FieldType { kString, kNumber, kBool };

enum class FieldId {
  kEvtType, kEvtDir, kEvtRes, kEvtRawres, kEvtFailed, kEvtIsOpenRead, kEvtIsOpenWrite, kEvtArgFlags,
  kEvtArgRequest, kEvtArgUid, kEvtArgName, kEvtNum,
  kProcName, kProcExe, kProcExepath, kProcCmdline, kProcArgs, kProcPid, kProcPpid, kProcCwd,
  kProcPname, kProcPexe, kProcPexepath, kProcPcmdline, kProcAname, kProcApid, kProcDuration,
  kUserUid, kUserRuid, kUserName,
  kFdName, kFdDirectory, kFdFilename, kFdTypechar, kFdType, kFdNum, kFdL4proto, kFdSockfamily,
  kFdSip, kFdCip, kFdLip, kFdRip, kFdSport, kFdCport, kFdLport, kFdRport,
  kContainerId,
};

struct FieldSpec {
  const char* name;
  FieldId id;
  FieldType type;
  bool indexed;  // takes [N] (proc.aname[2]); without it, means "any ancestor"
};

// The field named `name` ("proc.aname" for "proc.aname[2]"), or null when we lack it.
const FieldSpec* LookupField(const std::string& name);

// Falco's evt.type for our event ("execve", "openat", "connect", "setuid", ...), or null for
// events rules do not see (logs, syscall profiles).
const char* FalcoEventType(const EventBody& body);

// What the extractors read: the event, its process and the table for parents and ancestors.
struct EventView {
  const Event* event = nullptr;
  const char* evt_type = nullptr;
  const ProcessInfo* proc = nullptr;  // null when unknown
  ProcessTable* table = nullptr;
  const std::function<std::string(uint32_t)>* user_name = nullptr;
  uint64_t evt_num = 0;  // the event's sequence number in the engine
};

struct FieldValue {
  bool present = false;
  int64_t num = 0;   // numbers and booleans (0/1)
  std::string str;   // strings
};

// Reads `field` (with `index` for indexed fields: 0 = the process itself, 1 = its parent, ...).
FieldValue Extract(const FieldSpec& field, int index, const EventView& view);
// The field's value as text, for output and evidence ("<NA>" when absent).
std::string FieldText(const FieldSpec& field, int index, const EventView& view);

// "O_WRONLY|O_CREAT|O_TRUNC", Falco's rendering of open flags.
std::string OpenFlagsText(int32_t flags);

}  // namespace hostmind::rules
