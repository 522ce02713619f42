#pragma once
// What a program read as it started: the page-level trace the prefetch tracer assembles for each
// exec (the files, in first-touch order, and the page ranges touched in each during the first
// seconds), and the notice of an exec itself, which the prefetcher acts on at once. Produced in
// src/collect/ (eBPF page-cache tracepoints, or fanotify as a fallback), learnt from in
// src/learn/, acted on in src/act/.
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "core/clock.h"

namespace hostmind {

inline constexpr uint64_t kPageBytes = 4096;

// Pages [first, first + count) of a file, in 4 KiB pages.
struct PageRange {
  uint64_t first = 0;
  uint64_t count = 0;
  uint64_t end() const { return first + count; }
  bool operator==(const PageRange&) const = default;
};

// Sets of pages kept as sorted, disjoint, non-adjacent ranges.
// Inserts `r`, merging it with the ranges it overlaps or touches.
void AddPages(std::vector<PageRange>& set, PageRange r);
// Removes every page of `remove` from `set`.
void RemovePages(std::vector<PageRange>& set, const std::vector<PageRange>& remove);
// Pages in both sets.
uint64_t OverlapPages(const std::vector<PageRange>& a, const std::vector<PageRange>& b);
uint64_t TotalPages(const std::vector<PageRange>& set);

// A file a process touched while starting.
struct FileTouch {
  std::string path;
  uint64_t dev = 0;  // st_dev as user space sees it
  uint64_t ino = 0;
  TimeMs first_ms = 0;            // first touch, ms after the exec
  std::vector<PageRange> pages;   // sorted, disjoint; empty = not known (whole file)
};

// A program was exec'd. Delivered on the tracer's thread within microseconds of the exec.
struct ExecNotice {
  int32_t pid = 0;
  int32_t ppid = 0;
  TimeMs ts = 0;                  // wall-clock ms
  std::string exe;                // resolved path of the executable (symlinks followed)
  std::vector<std::string> argv;  // a prefix of the real argv
  int32_t parent_launch = 0;      // pid of the traced launch this exec descends from, 0 if none
};

// Everything one exec touched in its first seconds (its forked, non-exec'ing children included).
struct StartupTrace {
  ExecNotice exec;
  TimeMs window_ms = 0;           // how long it was traced
  std::vector<FileTouch> files;   // in first-touch order
  uint64_t pages_read = 0;        // pages it brought into the page cache (its cache misses)
  bool misses_known = false;      // whether pages_read was measured (not by fanotify)
  bool exited = false;            // exited before the window closed
  std::vector<ExecNotice> children;  // programs it exec'd within the window (directly)
};

// Pages the prefetcher itself brought into the page cache (from the tracer, when it can tell).
struct PrefetchedPages {
  uint64_t dev = 0;
  uint64_t ino = 0;
  PageRange pages;
};

struct TraceSourceStats {
  uint64_t records = 0;          // records received from the kernel
  uint64_t lost = 0;             // records the kernel could not send (buffer full)
  uint64_t traces = 0;           // startup traces completed
  uint64_t traces_dropped = 0;   // completed traces not collected in time (queue full)
  uint64_t launches_untraced = 0;
  uint64_t files_unnamed = 0;    // touched files whose path could not be told
};

// A source of startup traces: the tracer's side as the prefetch analyzer sees it.
class StartupTraceSource {
 public:
  virtual ~StartupTraceSource() = default;
  // "ebpf" or "fanotify".
  virtual const char* name() const = 0;
  // Whether traces carry page ranges (eBPF) or only files (fanotify: ranges come from residency).
  virtual bool exact_pages() const = 0;
  // Moves the traces completed since the last call into `out`.
  virtual void DrainTraces(std::vector<StartupTrace>& out) = 0;
  // Moves the pages the agent's own prefetching brought in since the last call.
  virtual void DrainPrefetched(std::vector<PrefetchedPages>& out) = 0;
  // Called on the source's thread for every exec, at once.
  virtual void SetExecCallback(std::function<void(const ExecNotice&)> callback) = 0;
  // A thread of the agent's prefetcher: the pages it brings in are reported by DrainPrefetched.
  virtual void AddPrefetchThread(int32_t tid) = 0;
  virtual TraceSourceStats Stats() const = 0;
};

}  // namespace hostmind
