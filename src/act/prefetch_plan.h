#pragma once
// Prefetch plans: what to read when a program starts, from its startup profile and from the
// profiles of the children it is expected to start (gcc's plan holds cc1's reads, shifted by
// when cc1 usually starts). Reads are merged per file, cut to the byte budget keeping the
// earliest needed, and ordered for the disk: by slice of expected time, and within a slice by
// physical position (FIEMAP), so the disk sweeps once per slice instead of seeking per file.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "act/prefetcher.h"
#include "learn/launch_model.h"
#include "learn/startup_profile.h"

namespace hostmind {

struct PlanOptions {
  double min_probability = 0.5;        // of a range being read, given the launch
  double min_child_probability = 0.5;  // of a child being started, given its parent
  int max_depth = 2;                   // children, and their children
  uint64_t max_bytes = 256ull << 20;   // per plan
  TimeMs slice_ms = 50;                // reads expected within one slice go in disk order
  size_t max_directories = 0;          // of the planned files, warmed first (0: none)
};

// Where a file is: its identity and size, and the physical position of one of its offsets.
struct FilePlace {
  uint64_t dev = 0, ino = 0, size = 0;
  std::optional<uint64_t> physical;  // of the offset asked for; unknown on some filesystems
};
// nullopt: the file is gone (not planned).
using FileLocator = std::function<std::optional<FilePlace>(const std::string& path, uint64_t offset)>;

// The real host: stat + FIEMAP.
std::optional<FilePlace> LocateOnDisk(const std::string& path, uint64_t offset);

// The reads for a launch of `key`: the directories of its files first (at most
// `max_directories`, in the order the files come), then the file reads. Empty when nothing is
// known of it. `programs`, when given,
// receives the programs whose reads the plan holds (`key` and its expected children).
std::vector<PrefetchRead> BuildPlan(const std::string& key, const StartupProfiles& profiles, const LaunchModel& launches,
                                    const PlanOptions& options, const FileLocator& locate,
                                    std::vector<std::string>* programs = nullptr);
uint64_t PlanBytes(const std::vector<PrefetchRead>& plan);

}  // namespace hostmind
