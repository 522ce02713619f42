#pragma once
// TraceAssembler: turns the prefetch tracer's raw records (bpf/prefetch_abi.h) into startup
// traces: one per exec, with the files it touched in first-touch order and their page ranges,
// closed when its window ends or shortly after it exits. Pure: time is the records' own
// monotonic clock, and paths are resolved through a function passed in, so hermetic tests feed
// it synthetic records.
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/startup_trace.h"
#include "core/status.h"

namespace hostmind {

struct AssemblerOptions {
  TimeMs window_ms = 5000;          // must match the BPF program's window
  TimeMs exit_grace_ms = 300;       // a launch closes this long after its process exits
  size_t max_launches = 4096;       // traced at once; beyond, new launches are not traced
  size_t max_files = 4096;          // per launch
  size_t max_names = 65536;         // file paths remembered
  bool misses_as_touches = false;   // no access tracepoints: learn from cache misses only
};

struct AssemblerStats {
  uint64_t records = 0;
  uint64_t corrupt = 0;
  uint64_t traces = 0;
  uint64_t launches_untraced = 0;   // max_launches reached
  uint64_t files_unnamed = 0;       // touched files whose path never came or did not resolve
};

class TraceAssembler {
 public:
  // Path of `fs_path` (absolute within its filesystem) on kernel device `kdev`, "" if unknown.
  using PathResolver = std::function<std::string(uint64_t kdev, const std::string& fs_path)>;

  TraceAssembler(AssemblerOptions options, TimeMs monotonic_to_wall_ms, PathResolver resolve);

  // Consumes one record; an exec is appended to `execs` (for the prefetcher, at once).
  Status Feed(std::string_view record, std::vector<ExecNotice>& execs);
  // Closes the launches whose time is up at monotonic `now_ns`, into `out`.
  void Expire(uint64_t now_ns, std::vector<StartupTrace>& out);
  // Pages the agent's prefetch threads brought in since the last call.
  void TakePrefetched(std::vector<PrefetchedPages>& out);
  // Files whose path was forgotten (bounded memory): the kernel must send them again.
  std::vector<std::pair<uint64_t, uint64_t>> TakeForgotten();

  const AssemblerStats& stats() const { return stats_; }
  size_t in_flight() const { return launches_.size(); }

 private:
  struct FileState {
    uint64_t kdev = 0, ino = 0;
    uint64_t first_ns = 0;
    std::vector<PageRange> pages;
  };
  struct Launch {
    ExecNotice notice;
    uint64_t exec_ns = 0;
    uint64_t close_ns = 0;
    bool exited = false;
    uint64_t pages_read = 0;
    std::vector<FileState> files;
    std::map<std::pair<uint64_t, uint64_t>, size_t> index;  // (kdev, ino) -> files[]
    std::vector<ExecNotice> children;
  };

  void OnExec(std::string_view rec, std::vector<ExecNotice>& execs);
  void OnPages(std::string_view rec, bool added);
  void OnName(std::string_view rec);
  void OnExit(std::string_view rec);
  void Touch(Launch& l, uint64_t kdev, uint64_t ino, uint64_t ts_ns, PageRange r);
  StartupTrace Close(Launch& l);
  // "usr\0bin\0ls\0" (leaf first) -> "/ls/bin/usr" reversed into "/usr/bin/ls", resolved.
  std::string ResolveComponents(uint64_t kdev, std::string_view comps, bool truncated) const;
  TimeMs Wall(uint64_t ns) const { return static_cast<TimeMs>(ns / 1000000) + offset_ms_; }

  AssemblerOptions options_;
  TimeMs offset_ms_;
  PathResolver resolve_;
  std::unordered_map<uint32_t, Launch> launches_;  // by launch pid
  std::map<std::pair<uint64_t, uint64_t>, std::string> names_;
  std::vector<std::pair<uint64_t, uint64_t>> forgotten_;
  std::vector<StartupTrace> closed_;  // closed early (re-exec), handed out by the next Expire
  std::vector<PrefetchedPages> prefetched_;
  AssemblerStats stats_;
};

// The user-space dev_t of a kernel device number (major << 20 | minor).
uint64_t UserDev(uint64_t kdev);

}  // namespace hostmind
