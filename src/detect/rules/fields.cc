#include "detect/rules/fields.h"

#include <cstring>
#include <unordered_map>

namespace hostmind::rules {

namespace {

using T = FieldType;
using F = FieldId;

const FieldSpec kFields[] = {
    {"evt.type", F::kEvtType, T::kString, false},
    {"evt.dir", F::kEvtDir, T::kString, false},
    {"evt.res", F::kEvtRes, T::kString, false},
    {"evt.rawres", F::kEvtRawres, T::kNumber, false},
    {"evt.failed", F::kEvtFailed, T::kBool, false},
    {"evt.is_open_read", F::kEvtIsOpenRead, T::kBool, false},
    {"evt.is_open_write", F::kEvtIsOpenWrite, T::kBool, false},
    {"evt.arg.flags", F::kEvtArgFlags, T::kString, false},
    {"evt.arg.request", F::kEvtArgRequest, T::kString, false},
    {"evt.arg.uid", F::kEvtArgUid, T::kNumber, false},
    {"evt.arg.name", F::kEvtArgName, T::kString, false},
    {"evt.num", F::kEvtNum, T::kNumber, false},
    {"proc.name", F::kProcName, T::kString, false},
    {"proc.exe", F::kProcExe, T::kString, false},
    {"proc.exepath", F::kProcExepath, T::kString, false},
    {"proc.cmdline", F::kProcCmdline, T::kString, false},
    {"proc.args", F::kProcArgs, T::kString, false},
    {"proc.pid", F::kProcPid, T::kNumber, false},
    {"proc.ppid", F::kProcPpid, T::kNumber, false},
    {"proc.cwd", F::kProcCwd, T::kString, false},
    {"proc.pname", F::kProcPname, T::kString, false},
    {"proc.pexe", F::kProcPexe, T::kString, false},
    {"proc.pexepath", F::kProcPexepath, T::kString, false},
    {"proc.pcmdline", F::kProcPcmdline, T::kString, false},
    {"proc.aname", F::kProcAname, T::kString, true},
    {"proc.apid", F::kProcApid, T::kNumber, true},
    {"proc.duration", F::kProcDuration, T::kNumber, false},
    {"user.uid", F::kUserUid, T::kNumber, false},
    {"user.ruid", F::kUserRuid, T::kNumber, false},
    {"user.name", F::kUserName, T::kString, false},
    {"fd.name", F::kFdName, T::kString, false},
    {"fd.directory", F::kFdDirectory, T::kString, false},
    {"fd.filename", F::kFdFilename, T::kString, false},
    {"fd.typechar", F::kFdTypechar, T::kString, false},
    {"fd.type", F::kFdType, T::kString, false},
    {"fd.num", F::kFdNum, T::kNumber, false},
    {"fd.l4proto", F::kFdL4proto, T::kString, false},
    {"fd.sockfamily", F::kFdSockfamily, T::kString, false},
    {"fd.sip", F::kFdSip, T::kString, false},
    {"fd.cip", F::kFdCip, T::kString, false},
    {"fd.lip", F::kFdLip, T::kString, false},
    {"fd.rip", F::kFdRip, T::kString, false},
    {"fd.dip", F::kFdSip, T::kString, false},  // the destination is the server side
    {"fd.sport", F::kFdSport, T::kNumber, false},
    {"fd.cport", F::kFdCport, T::kNumber, false},
    {"fd.lport", F::kFdLport, T::kNumber, false},
    {"fd.rport", F::kFdRport, T::kNumber, false},
    {"fd.dport", F::kFdSport, T::kNumber, false},
    {"container.id", F::kContainerId, T::kString, false},
};

FieldValue Str(std::string s) {
  FieldValue v;
  v.present = true;
  v.str = std::move(s);
  return v;
}
FieldValue Num(int64_t n) {
  FieldValue v;
  v.present = true;
  v.num = n;
  return v;
}
FieldValue Absent() { return FieldValue{}; }

std::string Join(const std::vector<std::string>& argv, size_t from) {
  std::string out;
  for (size_t i = from; i < argv.size(); ++i) {
    if (i > from) out += ' ';
    out += argv[i];
  }
  return out;
}

std::string Cmdline(const ProcessInfo& p) {
  std::string args = Join(p.argv, 1);
  return args.empty() ? p.name : p.name + " " + args;
}

// The N-th ancestor (0 = the process itself), or null.
const ProcessInfo* Ancestor(const EventView& v, int n) {
  const ProcessInfo* p = v.proc;
  for (int i = 0; i < n && p; ++i) {
    if (p->ppid <= 0 || p->ppid == p->pid) return nullptr;
    p = v.table ? v.table->Find(p->ppid) : nullptr;
  }
  return p;
}

const char* ErrnoName(int err) {
  switch (err) {
    case 1: return "EPERM";
    case 2: return "ENOENT";
    case 13: return "EACCES";
    case 17: return "EEXIST";
    case 20: return "ENOTDIR";
    case 21: return "EISDIR";
    case 30: return "EROFS";
  }
  return "E";
}

FieldValue ProcField(FieldId id, const EventView& v) {
  const ProcessInfo* p = v.proc;
  switch (id) {
    case F::kProcPid: return Num(EventPid(v.event->body));
    case F::kProcName: {
      if (p && !p->name.empty()) return Str(p->name);
      return std::visit([](const auto& e) -> FieldValue {
        if constexpr (requires { e.comm; }) return Str(e.comm);
        return Absent();
      }, v.event->body);
    }
    default: break;
  }
  if (!p) return Absent();
  switch (id) {
    case F::kProcExe: return p->argv.empty() ? Str(p->exe) : Str(p->argv[0]);
    case F::kProcExepath: return Str(p->exe);
    case F::kProcCmdline: return Str(Cmdline(*p));
    case F::kProcArgs: return Str(Join(p->argv, 1));
    case F::kProcPpid: return Num(p->ppid);
    case F::kProcCwd: return p->cwd.empty() ? Absent() : Str(p->cwd);
    case F::kContainerId: return Str(ContainerIdFromCgroup(p->cgroup));
    case F::kProcDuration:  // nanoseconds since the process started
      return p->started > 0 ? Num((v.event->ts - p->started) * 1000000) : Absent();
    default: break;
  }
  const ProcessInfo* parent = Ancestor(v, 1);
  if (!parent) return Absent();
  switch (id) {
    case F::kProcPname: return Str(parent->name);
    case F::kProcPexe: return parent->argv.empty() ? Str(parent->exe) : Str(parent->argv[0]);
    case F::kProcPexepath: return Str(parent->exe);
    case F::kProcPcmdline: return Str(Cmdline(*parent));
    default: return Absent();
  }
}

FieldValue UserField(FieldId id, const EventView& v) {
  std::optional<uint32_t> uid, ruid;
  std::visit([&](const auto& e) {
    using E = std::decay_t<decltype(e)>;
    if constexpr (std::is_same_v<E, ProcessExec>) {
      uid = e.euid;
      ruid = e.uid;
    } else if constexpr (std::is_same_v<E, CredentialChange>) {
      uid = e.euid;
      ruid = e.uid;
    } else if constexpr (requires { e.uid; }) {
      uid = v.proc ? v.proc->euid : e.uid;
      ruid = e.uid;
    }
  }, v.event->body);
  if (!uid) return Absent();
  if (id == F::kUserUid) return Num(*uid);
  if (id == F::kUserRuid) return Num(*ruid);
  if (v.user_name && *v.user_name) return Str((*v.user_name)(*uid));
  return Str(std::to_string(*uid));
}

FieldValue OpenField(FieldId id, const FileOpen& o) {
  switch (id) {
    case F::kFdName: return Str(o.path);
    case F::kFdDirectory: {
      size_t slash = o.path.rfind('/');
      if (slash == std::string::npos) return Str(".");
      return Str(slash == 0 ? "/" : o.path.substr(0, slash));
    }
    case F::kFdFilename: {
      size_t slash = o.path.rfind('/');
      return Str(slash == std::string::npos ? o.path : o.path.substr(slash + 1));
    }
    case F::kFdTypechar: return Str("f");
    case F::kFdType: return Str("file");
    case F::kFdNum: return o.result >= 0 ? Num(o.result) : Absent();  // absent when unknown too
    case F::kEvtIsOpenRead: return Num((o.flags & 3) == 0 || (o.flags & 3) == 2);
    case F::kEvtIsOpenWrite: return Num((o.flags & 3) == 1 || (o.flags & 3) == 2);
    case F::kEvtArgFlags: return Str(OpenFlagsText(o.flags));
    default: return Absent();
  }
}

FieldValue NetField(FieldId id, const NetConnection& c) {
  bool out = c.direction == NetConnection::Direction::kOutbound;
  // Falco's client/server view: outbound, we are the client; inbound, the server.
  const std::string& sip = out ? c.remote_addr : c.local_addr;
  const std::string& cip = out ? c.local_addr : c.remote_addr;
  int64_t sport = out ? c.remote_port : c.local_port;
  int64_t cport = out ? c.local_port : c.remote_port;
  bool v6 = c.remote_addr.find(':') != std::string::npos;
  switch (id) {
    case F::kFdName: return Str(cip + ":" + std::to_string(cport) + "->" + sip + ":" + std::to_string(sport));
    case F::kFdTypechar: return Str(v6 ? "6" : "4");
    case F::kFdType: return Str(v6 ? "ipv6" : "ipv4");
    case F::kFdL4proto: return Str("tcp");
    case F::kFdSockfamily: return Str("ip");
    case F::kFdSip: return Str(sip);
    case F::kFdCip: return Str(cip);
    case F::kFdLip: return Str(c.local_addr);
    case F::kFdRip: return Str(c.remote_addr);
    case F::kFdSport: return Num(sport);
    case F::kFdCport: return Num(cport);
    case F::kFdLport: return Num(c.local_port);
    case F::kFdRport: return Num(c.remote_port);
    default: return Absent();
  }
}

FieldValue EventField(FieldId id, const EventView& v) {
  const EventBody& body = v.event->body;
  switch (id) {
    case F::kEvtType: return v.evt_type ? Str(v.evt_type) : Absent();
    case F::kEvtDir: return Str("<");
    case F::kEvtNum: return Num(static_cast<int64_t>(v.evt_num));
    default: break;
  }
  if (const auto* o = std::get_if<FileOpen>(&body)) {
    bool known = o->result != FileOpen::kResultUnknown;
    if (!known && (id == F::kEvtRes || id == F::kEvtRawres || id == F::kEvtFailed)) return Absent();
    switch (id) {
      case F::kEvtRes: return Str(o->result >= 0 ? "SUCCESS" : ErrnoName(-o->result));
      case F::kEvtRawres: return Num(o->result);
      case F::kEvtFailed: return Num(o->result < 0);
      default: return OpenField(id, *o);
    }
  }
  if (const auto* c = std::get_if<NetConnection>(&body)) return NetField(id, *c);
  if (const auto* p = std::get_if<PtraceRequest>(&body)) {
    if (id != F::kEvtArgRequest) return Absent();
    std::string r = p->request;
    for (char& ch : r) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    return Str("PTRACE_" + r);
  }
  if (const auto* c = std::get_if<CredentialChange>(&body)) return id == F::kEvtArgUid ? Num(c->euid) : Absent();
  if (const auto* m = std::get_if<ModuleLoad>(&body)) return id == F::kEvtArgName ? Str(m->name) : Absent();
  if (std::holds_alternative<ProcessExec>(body)) {
    if (id == F::kEvtRes) return Str("SUCCESS");
    if (id == F::kEvtRawres) return Num(0);
    if (id == F::kEvtFailed) return Num(0);
  }
  return Absent();
}

}  // namespace

const FieldSpec* LookupField(const std::string& name) {
  static const std::unordered_map<std::string, const FieldSpec*> index = [] {
    std::unordered_map<std::string, const FieldSpec*> m;
    for (const auto& f : kFields) m.emplace(f.name, &f);
    return m;
  }();
  auto it = index.find(name);
  return it == index.end() ? nullptr : it->second;
}

const char* FalcoEventType(const EventBody& body) {
  struct Visitor {
    const char* operator()(const ProcessExec&) const { return "execve"; }
    const char* operator()(const ProcessExit&) const { return "procexit"; }
    const char* operator()(const ProcessFork&) const { return "clone"; }
    const char* operator()(const FileOpen&) const { return "openat"; }
    const char* operator()(const NetConnection& c) const {
      return c.direction == NetConnection::Direction::kOutbound ? "connect" : "accept";
    }
    const char* operator()(const CredentialChange& c) const { return c.call.c_str(); }
    const char* operator()(const ModuleLoad& m) const { return m.call.c_str(); }
    const char* operator()(const PtraceRequest&) const { return "ptrace"; }
    const char* operator()(const LogRecord&) const { return nullptr; }
    const char* operator()(const SyscallProfile&) const { return nullptr; }
  };
  return std::visit(Visitor{}, body);
}

FieldValue Extract(const FieldSpec& field, int index, const EventView& v) {
  switch (field.id) {
    case F::kProcAname:
    case F::kProcApid: {
      const ProcessInfo* a = Ancestor(v, index);
      if (!a) return Absent();
      return field.id == F::kProcAname ? Str(a->name) : Num(a->pid);
    }
    case F::kUserUid:
    case F::kUserRuid:
    case F::kUserName: return UserField(field.id, v);
    default: break;
  }
  const std::string name = field.name;
  if (name.rfind("proc.", 0) == 0 || field.id == F::kContainerId) return ProcField(field.id, v);
  return EventField(field.id, v);
}

std::string FieldText(const FieldSpec& field, int index, const EventView& view) {
  FieldValue v = Extract(field, index, view);
  if (!v.present) return "<NA>";
  if (field.type == FieldType::kString) return v.str;
  if (field.type == FieldType::kBool) return v.num ? "true" : "false";
  return std::to_string(v.num);
}

std::string OpenFlagsText(int32_t flags) {
  static const std::pair<int32_t, const char*> kBits[] = {
      {0100, "O_CREAT"},      {0200, "O_EXCL"},        {01000, "O_TRUNC"},   {02000, "O_APPEND"},
      {04000, "O_NONBLOCK"},  {010000, "O_DSYNC"},     {0200000, "O_DIRECTORY"},
      {0400000, "O_NOFOLLOW"}, {02000000, "O_CLOEXEC"}, {020000000, "O_TMPFILE"}};
  std::string out = (flags & 3) == 0 ? "O_RDONLY" : (flags & 3) == 1 ? "O_WRONLY" : "O_RDWR";
  for (auto [bit, name] : kBits)
    if ((flags & bit) == bit) out += std::string("|") + name;
  return out;
}

}  // namespace hostmind::rules
