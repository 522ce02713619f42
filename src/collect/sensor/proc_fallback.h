#pragma once
// Fallbacks for exec/exit events when eBPF is unavailable: the netlink proc connector (needs
// CAP_NET_ADMIN; events pushed by the kernel, details read from /proc right away), and, when
// even that is refused, a /proc scan that reports processes that appeared or vanished between
// two runs (short-lived processes are missed: the collector says so).
#include <atomic>
#include <map>
#include <memory>
#include <set>
#include <thread>

#include "collect/sensor/event_source.h"
#include "core/host_env.h"

namespace hostmind {

// Reads what /proc says about a live process into an exec event; NotFound once it is gone.
Result<ProcessExec> ReadProcessExec(HostEnv& env, int32_t pid);

class ProcConnector final : public EventSource {
 public:
  static Result<std::unique_ptr<ProcConnector>> Start(size_t queue_capacity);
  ~ProcConnector() override;
  const char* name() const override { return "proc_connector"; }
  void Drain(std::vector<Event>& out) override { buffer_.Drain(out); }
  void ExportStats(Batch& batch) override;

 private:
  ProcConnector(int fd, size_t queue_capacity);
  void Receive(std::stop_token stop);

  int fd_;
  EventBuffer buffer_;
  DiskHostEnv env_;
  std::atomic<uint64_t> overruns_{0};  // netlink buffer overruns: events the kernel dropped
  std::jthread receiver_;
};

class ProcScanner final : public EventSource {
 public:
  explicit ProcScanner(HostEnv& env) : env_(env) {}
  const char* name() const override { return "proc_scan"; }
  // Scans /proc: new processes become exec events, vanished ones exit events (code unknown).
  void Drain(std::vector<Event>& out) override;
  void ExportStats(Batch&) override {}

 private:
  HostEnv& env_;
  bool first_ = true;
  std::map<int32_t, std::string> known_;  // pid -> comm
};

}  // namespace hostmind
