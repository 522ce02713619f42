#pragma once
// PageTracer: loads bpf/prefetch.bpf.c through its libbpf skeleton and assembles startup traces
// on its own thread. Execs are handed to the exec callback on that thread as soon as the ring
// buffer wakes it (the exec record forces a wakeup), so a prefetch can start while the program
// is still loading its libraries; completed traces wait for the prefetch analyzer.
#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "collect/prefetch/mount_table.h"
#include "collect/prefetch/trace_assembler.h"
#include "core/startup_trace.h"

namespace hostmind {

struct PageTracerOptions {
  TimeMs window_ms = 5000;              // how long each launch is traced
  uint64_t ring_buffer_bytes = 4 << 20; // a power of two
  size_t max_pending_traces = 4096;     // completed traces waiting for the analyzer
};

class PageTracer final : public StartupTraceSource {
 public:
  // What the tracer needs: BTF, privileges, ring buffers, BTF tracepoints. Missing page-cache
  // access tracepoints (Linux < 6.11) are not fatal: see degraded_reason().
  static Status Probe();
  static Result<std::unique_ptr<PageTracer>> Start(const PageTracerOptions& options);
  ~PageTracer() override;

  const char* name() const override { return "ebpf"; }
  bool exact_pages() const override { return exact_pages_; }
  void DrainTraces(std::vector<StartupTrace>& out) override;
  void DrainPrefetched(std::vector<PrefetchedPages>& out) override;
  void SetExecCallback(std::function<void(const ExecNotice&)> callback) override;
  void AddPrefetchThread(int32_t tid) override;
  TraceSourceStats Stats() const override;
  // Why traces are less precise than they could be, "" when they are not.
  const std::string& degraded_reason() const { return degraded_reason_; }

 private:
  struct Skeleton;
  explicit PageTracer(const PageTracerOptions& options);
  Status Load();
  void Poll(std::stop_token stop);
  static int OnRecord(void* self, void* data, size_t size);
  std::string ResolvePath(uint64_t kdev, const std::string& fs_path);
  uint64_t LostRecords() const;

  PageTracerOptions options_;
  std::unique_ptr<Skeleton> skel_;
  std::unique_ptr<TraceAssembler> assembler_;  // poller thread only
  MountTable mounts_;                          // poller thread only
  TimeMs mounts_read_at_ = 0;
  bool exact_pages_ = true;
  std::string degraded_reason_;
  std::vector<ExecNotice> execs_;  // poller thread scratch

  std::mutex callback_mu_;
  std::function<void(const ExecNotice&)> on_exec_;

  mutable std::mutex mu_;  // guards the hand-over below and the stats copy
  std::vector<StartupTrace> traces_;
  std::vector<PrefetchedPages> prefetched_;
  AssemblerStats assembler_stats_;
  uint64_t traces_dropped_ = 0;
  std::jthread poller_;
};

}  // namespace hostmind
