#pragma once
// FanotifyTracer: the fallback startup tracer when eBPF is unavailable. fanotify reports every
// open and every exec of a file on the marked filesystems with the opener's pid: an exec
// (FAN_OPEN_EXEC) starts a launch, the opens that follow from that pid within the window are
// its files. fanotify cannot tell which pages were read, so each file's pages are taken from its
// residency (mincore) when the window closes, an over-estimate when other programs share the
// file; nor can it see forked helpers or which pages the prefetcher brought in, so hits and
// waste are not accounted. Needs CAP_SYS_ADMIN and Linux >= 5.1.
#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/startup_trace.h"
#include "core/status.h"

namespace hostmind {

struct FanotifyTracerOptions {
  TimeMs window_ms = 5000;
  size_t max_launches = 4096;
  size_t max_files = 1024;                 // per launch
  uint64_t max_file_pages = 65536;         // residency is read from at most this many pages per file
  size_t max_pending_traces = 4096;
};

class FanotifyTracer final : public StartupTraceSource {
 public:
  static Result<std::unique_ptr<FanotifyTracer>> Start(const FanotifyTracerOptions& options);
  ~FanotifyTracer() override;

  const char* name() const override { return "fanotify"; }
  bool exact_pages() const override { return false; }
  void DrainTraces(std::vector<StartupTrace>& out) override;
  void DrainPrefetched(std::vector<PrefetchedPages>&) override {}
  void SetExecCallback(std::function<void(const ExecNotice&)> callback) override;
  void AddPrefetchThread(int32_t) override {}  // the agent's own opens are ignored by pid
  TraceSourceStats Stats() const override;

 private:
  struct Launch {
    ExecNotice notice;
    uint64_t exec_ns = 0;
    bool announced = false;  // the exec callback ran (after the first open: argv is final then)
    std::vector<FileTouch> files;
    std::map<std::pair<uint64_t, uint64_t>, size_t> index;
  };
  FanotifyTracer(int fd, const FanotifyTracerOptions& options);
  void Run(std::stop_token stop);
  void OnEvent(uint64_t mask, int32_t pid, int fd, uint64_t now_ns);
  void Announce(Launch& l);
  void Expire(uint64_t now_ns);

  int fd_;
  FanotifyTracerOptions options_;
  TimeMs wall_offset_ms_;
  std::map<int32_t, Launch> launches_;  // runner thread only
  std::mutex callback_mu_;
  std::function<void(const ExecNotice&)> on_exec_;
  mutable std::mutex mu_;
  std::vector<StartupTrace> traces_;
  TraceSourceStats stats_;
  std::jthread runner_;
};

// Pages of `path` resident in the page cache (mincore), at most `max_pages` from the start.
std::vector<PageRange> ResidentPages(const std::string& path, uint64_t max_pages);

}  // namespace hostmind
