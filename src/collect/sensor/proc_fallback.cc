#include "collect/sensor/proc_fallback.h"

#include <linux/cn_proc.h>
#include <linux/connector.h>
#include <linux/netlink.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

#include "core/clock.h"

namespace hostmind {

namespace {

TimeMs NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch()).count();
}

// "Name:\tbash\n...PPid:\t1\n...Uid:\t0\t0\t0\t0\n" -> the value of `key`.
std::string StatusField(const std::string& status, const std::string& key) {
  size_t at = status.find("\n" + key + ":");
  if (at == std::string::npos) return "";
  at += key.size() + 2;
  while (at < status.size() && (status[at] == '\t' || status[at] == ' ')) ++at;
  size_t end = status.find_first_of("\t\n", at);
  return status.substr(at, end == std::string::npos ? std::string::npos : end - at);
}

}  // namespace

Result<ProcessExec> ReadProcessExec(HostEnv& env, int32_t pid) {
  const std::string dir = "/proc/" + std::to_string(pid);
  auto status = env.ReadFile(dir + "/status");
  if (!status.ok()) return status.status();
  ProcessExec e;
  e.pid = pid;
  std::string text = "\n" + *status;
  e.comm = StatusField(text, "Name");
  e.ppid = std::atoi(StatusField(text, "PPid").c_str());
  // "Uid:" lists the real, effective, saved and filesystem ids.
  const std::string uids = StatusField(text, "Uid");
  char* effective = nullptr;
  e.uid = static_cast<uint32_t>(std::strtoul(uids.c_str(), &effective, 10));
  e.euid = static_cast<uint32_t>(std::strtoul(effective, nullptr, 10));
  if (auto exe = env.ReadLink(dir + "/exe"); exe.ok()) e.exe = *exe;
  if (auto cwd = env.ReadLink(dir + "/cwd"); cwd.ok()) e.cwd = *cwd;
  if (auto cmd = env.ReadFileUpTo(dir + "/cmdline", 4096); cmd.ok()) {
    std::string_view rest = *cmd;
    while (!rest.empty()) {
      size_t nul = rest.find('\0');
      e.argv.emplace_back(rest.substr(0, nul));
      if (nul == std::string_view::npos) break;
      rest.remove_prefix(nul + 1);
    }
  }
  if (auto cg = env.ReadFile(dir + "/cgroup"); cg.ok()) {
    size_t at = cg->find("0::");
    if (at != std::string::npos) e.cgroup = cg->substr(at + 3, cg->find('\n', at) - at - 3);
  }
  return e;
}

Result<std::unique_ptr<ProcConnector>> ProcConnector::Start(size_t queue_capacity) {
  int fd = socket(PF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_CONNECTOR);
  if (fd < 0) return Status::FromErrno(errno, "proc connector: netlink socket");
  sockaddr_nl addr{};
  addr.nl_family = AF_NETLINK;
  addr.nl_groups = CN_IDX_PROC;
  addr.nl_pid = 0;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    int err = errno;
    close(fd);
    return Status::FromErrno(err, "proc connector: bind (needs CAP_NET_ADMIN)");
  }
  // nlmsghdr, cn_msg, then the operation: laid out by hand (cn_msg ends in a flexible array).
  alignas(nlmsghdr) char msg[NLMSG_SPACE(sizeof(cn_msg) + sizeof(proc_cn_mcast_op))] = {};
  auto* nl = reinterpret_cast<nlmsghdr*>(msg);
  nl->nlmsg_len = NLMSG_LENGTH(sizeof(cn_msg) + sizeof(proc_cn_mcast_op));
  nl->nlmsg_type = NLMSG_DONE;
  nl->nlmsg_pid = static_cast<uint32_t>(getpid());
  auto* cn = static_cast<cn_msg*>(NLMSG_DATA(nl));
  cn->id.idx = CN_IDX_PROC;
  cn->id.val = CN_VAL_PROC;
  cn->len = sizeof(proc_cn_mcast_op);
  proc_cn_mcast_op op = PROC_CN_MCAST_LISTEN;
  std::memcpy(cn->data, &op, sizeof(op));
  if (send(fd, msg, nl->nlmsg_len, 0) < 0) {
    int err = errno;
    close(fd);
    return Status::FromErrno(err, "proc connector: subscribe");
  }
  std::unique_ptr<ProcConnector> pc(new ProcConnector(fd, queue_capacity));
  ProcConnector* raw = pc.get();
  pc->receiver_ = std::jthread([raw](std::stop_token st) { raw->Receive(st); });
  return pc;
}

ProcConnector::ProcConnector(int fd, size_t queue_capacity) : fd_(fd), buffer_(queue_capacity), env_("/") {}

ProcConnector::~ProcConnector() {
  if (receiver_.joinable()) {
    receiver_.request_stop();
    receiver_.join();
  }
  close(fd_);
}

void ProcConnector::Receive(std::stop_token stop) {
  alignas(nlmsghdr) char buf[8192];
  while (!stop.stop_requested()) {
    pollfd p{fd_, POLLIN, 0};
    if (poll(&p, 1, 100) <= 0) continue;
    ssize_t n = recv(fd_, buf, sizeof(buf), 0);
    if (n < 0) {
      if (errno == ENOBUFS) overruns_++;
      continue;
    }
    for (auto* nl = reinterpret_cast<nlmsghdr*>(buf); NLMSG_OK(nl, static_cast<size_t>(n));
         nl = NLMSG_NEXT(nl, n)) {
      auto* cn = static_cast<cn_msg*>(NLMSG_DATA(nl));
      if (cn->len < sizeof(proc_event)) continue;
      proc_event pe;
      std::memcpy(&pe, cn->data, sizeof(pe));
      Event ev;
      ev.ts = NowMs();
      if (pe.what == proc_event::PROC_EVENT_EXEC) {
        auto e = ReadProcessExec(env_, pe.event_data.exec.process_tgid);
        if (!e.ok()) continue;  // already gone: nothing left to describe it
        ev.body = std::move(e).value();
      } else if (pe.what == proc_event::PROC_EVENT_EXIT) {
        if (pe.event_data.exit.process_pid != pe.event_data.exit.process_tgid) continue;
        ProcessExit e;
        e.pid = pe.event_data.exit.process_tgid;
        int code = static_cast<int>(pe.event_data.exit.exit_code);
        e.exit_code = (code & 0x7f) != 0 ? 128 + (code & 0x7f) : (code >> 8) & 0xff;
        e.runtime_ms = -1;
        ev.body = e;
      } else if (pe.what == proc_event::PROC_EVENT_FORK) {
        if (pe.event_data.fork.child_pid != pe.event_data.fork.child_tgid) continue;
        ProcessFork e;
        e.pid = pe.event_data.fork.child_tgid;
        e.ppid = pe.event_data.fork.parent_tgid;
        ev.body = e;
      } else {
        continue;
      }
      buffer_.Push(std::move(ev));
    }
  }
}

void ProcConnector::ExportStats(Batch& batch) {
  batch.Counter(SeriesKey("hostmind_sensor_lost_events_total", {{"cpu", "all"}}),
                static_cast<double>(overruns_.load()));
  batch.Counter(SeriesKey("hostmind_sensor_queue_dropped_total"), static_cast<double>(buffer_.dropped()));
}

void ProcScanner::Drain(std::vector<Event>& out) {
  auto entries = env_.ListDir("/proc");
  if (!entries.ok()) return;
  std::map<int32_t, std::string> now;
  TimeMs ts = NowMs();
  for (const auto& name : *entries) {
    if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) continue;
    int32_t pid = std::atoi(name.c_str());
    auto old = known_.find(pid);
    if (old != known_.end()) {
      now.emplace(pid, old->second);
      continue;
    }
    auto e = ReadProcessExec(env_, pid);
    if (!e.ok()) continue;
    now.emplace(pid, e->comm);
    if (!first_) out.push_back(Event{ts, std::move(e).value()});
  }
  for (const auto& [pid, comm] : known_) {
    if (now.count(pid)) continue;
    ProcessExit x;
    x.pid = pid;
    x.comm = comm;
    x.exit_code = -1;
    x.runtime_ms = -1;
    out.push_back(Event{ts, x});
  }
  known_ = std::move(now);
  first_ = false;
}

}  // namespace hostmind
