#pragma once
// PrefetchLedger: did prefetching pay? Pages a prefetch brought into the page cache wait here
// until a traced launch uses them (a hit) or the accounting window passes (waste). Pages the
// cache already held cost nothing and are not counted. Pure: the pages come from the tracer,
// the uses from startup traces, the time from the caller.
#include <cstdint>
#include <deque>
#include <map>
#include <string>
#include <vector>

#include "act/prefetcher.h"
#include "core/startup_trace.h"

namespace hostmind {

struct JobRecord {
  uint64_t id = 0;
  PrefetchReason reason = PrefetchReason::kExec;
  std::string key;
  int32_t pid = 0;
  TimeMs ts = 0;
  size_t reads = 0;
  uint64_t bytes_planned = 0;
  // When the reads were queued (the I/O threads' report).
  bool issued = false;
  uint64_t bytes_requested = 0;
  uint32_t files_opened = 0, files_missing = 0, directories = 0;
  int64_t queue_us = 0, issue_us = 0;
  bool cached = false;        // stopped at once: the launch's pages were cached already
  // The accounting.
  uint64_t pages_in = 0;      // brought into the page cache by this job
  uint64_t pages_hit = 0;     // of those, used by a launch within the window
  uint64_t pages_wasted = 0;  // of those, not used within the window
  bool final = false;         // every page it brought in is counted as hit or waste
};

struct LedgerTotals {
  uint64_t jobs = 0;
  uint64_t pages_in = 0, pages_hit = 0, pages_wasted = 0;
  uint64_t pages_unattributed = 0;  // brought in for files no job planned (replaced since)
};

class PrefetchLedger {
 public:
  explicit PrefetchLedger(TimeMs window_ms, size_t max_jobs = 1024) : window_ms_(window_ms), max_jobs_(max_jobs) {}

  // A job was submitted with `plan`.
  void Planned(JobRecord job, const std::vector<PrefetchRead>& plan);
  // Its reads were queued.
  void Issued(const PrefetchResult& result);
  // Pages the prefetch threads brought in, at `now`.
  void Brought(const std::vector<PrefetchedPages>& pages, TimeMs now);
  // A launch used these pages; returns how many of them a prefetch had brought in.
  uint64_t Used(const StartupTrace& trace);
  // Pages waiting longer than the window are waste; jobs older than the window are final.
  void Expire(TimeMs now);

  std::vector<JobRecord> Jobs() const { return {jobs_.rbegin(), jobs_.rend()}; }  // newest first
  const LedgerTotals& totals() const { return totals_; }
  uint64_t pending_pages() const;

 private:
  struct Pending {
    uint64_t job = 0;
    std::vector<PageRange> pages;
    TimeMs since = 0;
  };
  JobRecord* Find(uint64_t id);

  TimeMs window_ms_;
  size_t max_jobs_;
  std::deque<JobRecord> jobs_;  // oldest first
  std::map<std::pair<uint64_t, uint64_t>, uint64_t> file_job_;   // (dev, ino) -> latest job
  // Per file, the pages each job brought in that are not used yet (usually one job).
  std::map<std::pair<uint64_t, uint64_t>, std::vector<Pending>> pending_;
  LedgerTotals totals_;
};

}  // namespace hostmind
