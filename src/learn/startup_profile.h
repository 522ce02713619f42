#pragma once
// StartupProfiles: per program (a launch key: the executable, plus the script for interpreters),
// the files and page ranges it reads in its first seconds, learnt from startup traces. Each
// range carries the decayed share of recent launches that touched it, so a plan can ask for
// "what at least 60% of the recent launches read" and get it in the order it is needed.
// Pure and bounded: no I/O, no clock (times are passed in), state saved and loaded as bytes.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/startup_trace.h"
#include "core/status.h"
#include "learn/page_extents.h"

namespace hostmind {

struct StartupProfileLimits {
  size_t max_programs = 512;
  size_t max_files = 1024;         // per program
  size_t max_file_extents = 64;    // per file of a program; beyond, the closest extents join
  size_t max_extents = 262144;     // over all programs (about 12 bytes each)
  double decay = 0.8;              // weight a launch keeps per newer launch: ~5 launches matter
  double forget_below = 0.05;      // ranges touched by fewer recent launches than this are dropped
  uint64_t bridge_pages = 16;      // plans read across gaps this small in one request
};

// One read a launch is expected to make.
struct PlannedRead {
  std::string path;
  PageRange pages;            // count == 0: the whole file (page ranges were not known)
  TimeMs at_ms = 0;           // expected first touch of the file, after the exec
  double probability = 0;     // share of recent launches that touched these pages (the file, if whole)
};

struct ProgramSummary {
  std::string key;
  uint64_t launches = 0;
  TimeMs last_launch = 0;
  size_t files = 0;
  uint64_t pages = 0;  // pages of every remembered range, however likely
};

// The launch key of an exec: the executable, and for an interpreter (its base name matches one
// of `interpreters`, where a trailing '*' matches any suffix) the script it runs: the first
// argument that is not an option ("bash /opt/x.sh"), or the module after -m ("python3 -m pip").
// Inline code (-c, -e) keys on the interpreter alone.
std::string LaunchKey(const std::string& exe, const std::vector<std::string>& argv,
                      const std::vector<std::string>& interpreters);

class StartupProfiles {
 public:
  explicit StartupProfiles(StartupProfileLimits limits = {}) : limits_(limits) {}

  // Learns one launch of `key` that started at `now`.
  void Learn(const std::string& key, const StartupTrace& trace, TimeMs now);
  // The reads of a launch of `key`: ranges touched by at least `min_probability` of its recent
  // launches, files in expected first-touch order, at most `max_pages` in all. Empty when unknown.
  std::vector<PlannedRead> Plan(const std::string& key, double min_probability, uint64_t max_pages) const;

  std::optional<ProgramSummary> Summary(const std::string& key) const;
  std::vector<ProgramSummary> Programs() const;  // most recently launched first
  size_t extent_count() const { return total_extents_; }
  size_t size() const { return programs_.size(); }

  std::string Save() const;
  // Replaces the state with a saved one; on error the state is left empty.
  Status Load(std::string_view bytes);

 private:
  struct FileEntry {
    uint32_t path_id = 0;
    float weight = 0;      // decayed launches that touched the file
    float first_ms = 0;    // smoothed first-touch time
    bool whole = false;    // touched with unknown pages
    PageExtents extents;
  };
  struct Program {
    double runs = 0;       // decayed launch count: the denominator of every probability
    uint64_t launches = 0;
    TimeMs last_launch = 0;
    std::vector<FileEntry> files;
  };

  void Decay(Program& p);
  void Merge(Program& p, const StartupTrace& trace);
  void Trim(Program& p);
  void EvictFor(const std::string& keep);
  void Forget(Program& p);
  size_t Extents(const Program& p) const;
  uint32_t Intern(const std::string& path);
  void Release(uint32_t id);

  StartupProfileLimits limits_;
  std::unordered_map<std::string, Program> programs_;
  size_t total_extents_ = 0;
  // Paths are shared by many programs (libc, ld.so): kept once, reference counted.
  std::vector<std::string> paths_;
  std::vector<uint32_t> path_refs_;
  std::vector<uint32_t> free_ids_;
  std::unordered_map<std::string, uint32_t> path_ids_;
};

}  // namespace hostmind
