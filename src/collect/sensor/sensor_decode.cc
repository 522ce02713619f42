#include "collect/sensor/sensor_decode.h"

#include <arpa/inet.h>
#include <sys/socket.h>

#include <algorithm>
#include <cstring>
#include <memory>

extern "C" {
#include "sensor_abi.h"
}

namespace hostmind {

namespace {

template <typename T>
bool Load(std::string_view record, T& out) {
  if (record.size() < sizeof(T)) return false;
  std::memcpy(&out, record.data(), sizeof(T));
  return true;
}

// A fixed-size C string field, up to its first NUL.
template <size_t N>
std::string Str(const char (&field)[N]) {
  return std::string(field, strnlen(field, N));
}

const char* CredCallName(uint32_t nr) {
  switch (nr) {
    case 105: return "setuid";
    case 106: return "setgid";
    case 113: return "setreuid";
    case 114: return "setregid";
    case 117: return "setresuid";
    case 119: return "setresgid";
    case 122: return "setfsuid";
    case 123: return "setfsgid";
    case 126: return "capset";
  }
  return "unknown";
}

const char* PtraceRequestName(int64_t request) {
  switch (request) {
    case 4: return "poketext";
    case 5: return "pokedata";
    case 6: return "pokeuser";
    case 16: return "attach";
    case 0x4206: return "seize";
  }
  return "other";
}

}  // namespace

int32_t ProfileSlotSyscall(uint32_t slot) {
  if (slot < SENSOR_PROFILE_LOW_SLOTS) return static_cast<int32_t>(slot);
  if (slot < SENSOR_PROFILE_SLOTS - 1) return SENSOR_PROFILE_HIGH_BASE + static_cast<int32_t>(slot - SENSOR_PROFILE_LOW_SLOTS);
  return -1;
}

std::vector<std::string> SplitArgs(std::string_view buf) {
  std::vector<std::string> out;
  while (!buf.empty()) {
    size_t nul = buf.find('\0');
    out.emplace_back(buf.substr(0, nul));
    if (nul == std::string_view::npos) break;
    buf.remove_prefix(nul + 1);
  }
  return out;
}

std::string FormatAddress(uint16_t family, const uint8_t* addr) {
  char text[INET6_ADDRSTRLEN] = {};
  if (!inet_ntop(family == AF_INET6 ? AF_INET6 : AF_INET, addr, text, sizeof(text))) return "";
  return text;
}

SensorDecoder::SensorDecoder(TimeMs monotonic_to_wall_ms, CgroupLookup cgroup_lookup)
    : offset_ms_(monotonic_to_wall_ms), cgroup_lookup_(std::move(cgroup_lookup)) {}

std::string SensorDecoder::CgroupPath(uint64_t id, int32_t pid) {
  if (id == 0 || !cgroup_lookup_) return "";
  auto it = cgroups_.find(id);
  if (it != cgroups_.end()) return it->second;
  std::string path = cgroup_lookup_(id, pid);
  // Remember only answers: the lookup fails for processes that are already gone.
  if (!path.empty()) cgroups_.emplace(id, path);
  return path;
}

Result<Event> SensorDecoder::Decode(std::string_view record) {
  sensor_header h;
  if (!Load(record, h)) return Status::Corrupt("sensor record shorter than its header");
  Event ev;
  ev.ts = static_cast<TimeMs>(h.ts_ns / 1000000) + offset_ms_;
  const int32_t pid = static_cast<int32_t>(h.pid);
  const Status truncated = Status::Corrupt("truncated sensor record of kind " + std::to_string(h.kind));
  switch (h.kind) {
    case SENSOR_EXEC: {
      sensor_exec r;
      if (!Load(record, r)) return truncated;
      ProcessExec e;
      e.pid = pid;
      e.ppid = static_cast<int32_t>(h.ppid);
      e.uid = h.uid;
      e.euid = h.euid;
      e.comm = Str(h.comm);
      e.exe = Str(r.filename);
      e.argv = SplitArgs(std::string_view(r.args, std::min<uint32_t>(r.args_len, SENSOR_ARGS_LEN)));
      while (!e.argv.empty() && e.argv.back().empty()) e.argv.pop_back();
      e.cgroup_id = h.cgroup_id;
      e.cgroup = CgroupPath(h.cgroup_id, pid);
      e.mnt_ns = r.mnt_ns;
      e.pid_ns = r.pid_ns;
      e.net_ns = r.net_ns;
      ev.body = std::move(e);
      return ev;
    }
    case SENSOR_EXIT: {
      sensor_exit r;
      if (!Load(record, r)) return truncated;
      ProcessExit e;
      e.pid = pid;
      e.ppid = static_cast<int32_t>(h.ppid);
      e.uid = h.uid;
      e.comm = Str(h.comm);
      // The kernel's wait status: a signal in the low 7 bits, else the code in bits 8-15.
      int sig = r.exit_code & 0x7f;
      e.exit_code = sig != 0 ? 128 + sig : (r.exit_code >> 8) & 0xff;
      e.runtime_ms = static_cast<TimeMs>(r.runtime_ns / 1000000);
      ev.body = std::move(e);
      return ev;
    }
    case SENSOR_FORK: {
      ProcessFork e;
      e.pid = pid;
      e.ppid = static_cast<int32_t>(h.ppid);
      e.uid = h.uid;
      e.comm = Str(h.comm);
      ev.body = std::move(e);
      return ev;
    }
    case SENSOR_OPEN: {
      sensor_open r;
      if (!Load(record, r)) return truncated;
      FileOpen e;
      e.pid = pid;
      e.uid = h.uid;
      e.comm = Str(h.comm);
      e.path = Str(r.path);
      e.flags = r.flags;
      e.result = r.ret == SENSOR_RESULT_UNKNOWN ? FileOpen::kResultUnknown : r.ret;
      ev.body = std::move(e);
      return ev;
    }
    case SENSOR_CONNECT:
    case SENSOR_ACCEPT: {
      sensor_conn r;
      if (!Load(record, r)) return truncated;
      NetConnection e;
      e.pid = pid;
      e.uid = h.uid;
      e.comm = Str(h.comm);
      e.direction = h.kind == SENSOR_CONNECT ? NetConnection::Direction::kOutbound
                                             : NetConnection::Direction::kInbound;
      e.local_addr = FormatAddress(r.family, r.local_addr);
      e.local_port = r.local_port;
      e.remote_addr = FormatAddress(r.family, r.remote_addr);
      e.remote_port = r.remote_port;
      ev.body = std::move(e);
      return ev;
    }
    case SENSOR_CRED: {
      sensor_cred r;
      if (!Load(record, r)) return truncated;
      CredentialChange e;
      e.pid = pid;
      e.comm = Str(h.comm);
      e.call = CredCallName(r.syscall);
      e.old_uid = r.old_uid;
      e.old_euid = r.old_euid;
      e.uid = h.uid;
      e.euid = h.euid;
      e.gid = h.gid;
      e.cap_effective = r.cap_effective;
      e.attempt = r.attempt != 0;
      ev.body = std::move(e);
      return ev;
    }
    case SENSOR_MODULE: {
      sensor_module r;
      if (!Load(record, r)) return truncated;
      ModuleLoad e;
      e.pid = pid;
      e.uid = h.uid;
      e.comm = Str(h.comm);
      e.call = r.syscall == 313 ? "finit_module" : "init_module";
      e.name = Str(r.name);
      ev.body = std::move(e);
      return ev;
    }
    case SENSOR_PTRACE: {
      sensor_ptrace r;
      if (!Load(record, r)) return truncated;
      PtraceRequest e;
      e.pid = pid;
      e.uid = h.uid;
      e.comm = Str(h.comm);
      e.request = PtraceRequestName(r.request);
      e.target_pid = static_cast<int32_t>(r.target_pid);
      ev.body = std::move(e);
      return ev;
    }
    case SENSOR_PROFILE: {
      auto r = std::make_unique<sensor_profile>();  // 2.6 KiB: not on the stack
      if (!Load(record, *r)) return truncated;
      SyscallProfile e;
      e.pid = pid;
      e.comm = Str(h.comm);
      for (uint32_t slot = 0; slot < SENSOR_PROFILE_SLOTS; ++slot)
        if (r->counts[slot] != 0) e.counts.emplace_back(ProfileSlotSyscall(slot), r->counts[slot]);
      std::sort(e.counts.begin(), e.counts.end());
      e.ngram_sketch.assign(r->ngrams, r->ngrams + SENSOR_NGRAM_SLOTS);
      ev.body = std::move(e);
      return ev;
    }
  }
  return Status::Corrupt("sensor record of unknown kind " + std::to_string(h.kind));
}

}  // namespace hostmind
