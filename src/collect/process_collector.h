#pragma once
// Processes: the count of processes and threads, tasks by state, and the top N processes by
// CPU and by RSS from /proc/[pid]/{stat,status,io} with their executable and cgroup.
// A process that exits while being read is not an error: the scan simply moves on.
#include <map>
#include <optional>
#include <string>

#include "collect/parse.h"
#include "core/collector.h"

namespace hostmind {

// The fields of /proc/[pid]/stat that hostmind uses.
struct ProcStat {
  int32_t pid = 0;
  std::string comm;
  char state = '?';
  int32_t ppid = 0;
  uint64_t utime = 0, stime = 0;  // clock ticks
  int64_t num_threads = 0;
  uint64_t starttime = 0;  // clock ticks after boot
  uint64_t rss_pages = 0;
};

// Parses /proc/[pid]/stat; comm may hold spaces and parentheses, so the last ')' ends it.
Result<ProcStat> ParseProcStat(std::string_view text);
// The cgroup path of a process from /proc/[pid]/cgroup: the v2 ("0::") entry, else the
// v1 memory controller's, else the first.
std::string ParseProcCgroup(std::string_view text);

class ProcessCollector final : public Collector {
 public:
  explicit ProcessCollector(int top_n);
  const std::string& name() const override { return name_; }
  Status Collect(CollectContext& ctx) override;

 private:
  struct Seen {
    uint64_t ticks = 0;
    TimeMs ts = 0;
  };
  void EmitDetails(const ProcStat& p, double cpu_ratio, CollectContext& ctx);

  std::string name_ = "processes";
  int top_n_;
  long ticks_per_second_;
  long page_size_;
  std::map<std::string, Seen> prev_;  // key "pid/starttime": a recycled pid is a new process
  RateTracker io_rates_;
};

}  // namespace hostmind
