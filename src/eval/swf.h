#pragma once
// Reader for the Standard Workload Format of the Parallel Workloads Archive
// (https://www.cs.huji.ac.il/labs/parallel/workload/swf.html): one job per line, 18
// whitespace-separated numbers, -1 for "unknown"; lines starting with ';' are header comments,
// some of which ("; MaxProcs: 240") describe the machine. Plain or gzip-compressed.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace hostmind {

struct SwfJob {
  int64_t id = 0;
  double submit_s = 0;
  double wait_s = -1;
  double run_s = -1;
  int64_t alloc_procs = -1;
  double avg_cpu_s = -1;
  double used_mem_kb = -1;
  int64_t req_procs = -1;
  double req_time_s = -1;  // the user's estimate, usually the kill limit
  double req_mem_kb = -1;  // per processor
  int64_t status = -1;
  int64_t user = -1;
  int64_t group = -1;
  int64_t executable = -1;
  int64_t queue = -1;
  int64_t partition = -1;
  int64_t preceding = -1;
  double think_s = -1;
  int line = 0;  // where it was read, for messages
};

struct SwfHeader {
  int64_t max_procs = 0;
  int64_t max_nodes = 0;
  int64_t unix_start_time = 0;
  int64_t time_zone_s = 0;  // added to UTC to get the site's local time
  double max_runtime_s = 0;
};

struct SwfTrace {
  std::string origin;
  SwfHeader header;
  std::vector<SwfJob> jobs;
};

// The 1-based field names, for messages ("field 4 (run time)").
const char* SwfFieldName(int field);

// Reads a whole trace, gzip or plain. A malformed job line is an InvalidArgument error naming
// the file, the line and the field.
Result<SwfTrace> ReadSwf(const std::string& path);
Result<SwfTrace> ParseSwf(std::string_view text, const std::string& origin);

}  // namespace hostmind
