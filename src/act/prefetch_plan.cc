#include "act/prefetch_plan.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <set>
#include <tuple>

namespace hostmind {

namespace {

// Adds the reads of `key` and (up to `depth` levels) of its expected children to `out`.
void Collect(const std::string& key, double probability, TimeMs delay, int depth, const StartupProfiles& profiles,
             const LaunchModel& launches, const PlanOptions& o, std::set<std::string>& seen,
             std::vector<PrefetchRead>& out) {
  if (!seen.insert(key).second) return;  // a program starting itself
  // No cut here: the budget applies once files that are gone have been dropped.
  for (PlannedRead& r : profiles.Plan(key, o.min_probability / probability, UINT64_MAX)) {
    out.push_back({std::move(r.path), 0, 0, r.pages, r.at_ms + delay, r.probability * probability});
  }
  if (depth >= o.max_depth) return;
  for (const LaunchPrediction& c : launches.Children(key, o.min_child_probability / probability))
    Collect(c.key, probability * c.probability, delay + c.delay_ms, depth + 1, profiles, launches, o, seen, out);
}

// One read per file region: overlapping or adjacent reads of a file join, keeping the earliest
// time and the highest probability.
std::vector<PrefetchRead> Merge(std::vector<PrefetchRead> reads) {
  std::sort(reads.begin(), reads.end(), [](const PrefetchRead& a, const PrefetchRead& b) {
    return std::tie(a.path, a.pages.first) < std::tie(b.path, b.pages.first);
  });
  std::vector<PrefetchRead> out;
  for (PrefetchRead& r : reads) {
    if (!out.empty() && out.back().path == r.path) {
      PrefetchRead& last = out.back();
      bool whole = last.pages.count == 0 || r.pages.count == 0;
      if (whole || r.pages.first <= last.pages.end()) {
        if (whole) last.pages = {0, 0};
        else last.pages.count = std::max(last.pages.end(), r.pages.end()) - last.pages.first;
        last.at_ms = std::min(last.at_ms, r.at_ms);
        last.probability = std::max(last.probability, r.probability);
        continue;
      }
    }
    out.push_back(std::move(r));
  }
  return out;
}

// The directories of `reads`' files, in the order the files come: what the launch looks names
// up in. The root is left out (always cached).
std::vector<PrefetchRead> Directories(const std::vector<PrefetchRead>& reads, size_t max) {
  std::vector<PrefetchRead> dirs;
  std::set<std::string> seen;
  for (const PrefetchRead& r : reads) {
    if (dirs.size() >= max) break;
    size_t slash = r.path.rfind('/');
    if (slash == std::string::npos || slash == 0) continue;
    std::string dir = r.path.substr(0, slash);
    if (!seen.insert(dir).second) continue;
    PrefetchRead d;
    d.path = std::move(dir);
    d.at_ms = r.at_ms;
    d.probability = r.probability;
    d.directory = true;
    dirs.push_back(std::move(d));
  }
  return dirs;
}

}  // namespace

std::optional<FilePlace> LocateOnDisk(const std::string& path, uint64_t offset) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOATIME);
  if (fd < 0 && errno == EPERM) fd = open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) return std::nullopt;
  struct stat st{};
  std::optional<FilePlace> place;
  if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
    place = FilePlace{static_cast<uint64_t>(st.st_dev), static_cast<uint64_t>(st.st_ino),
                      static_cast<uint64_t>(st.st_size), PhysicalOffset(fd, offset)};
  }
  close(fd);
  return place;
}

std::vector<PrefetchRead> BuildPlan(const std::string& key, const StartupProfiles& profiles, const LaunchModel& launches,
                                    const PlanOptions& o, const FileLocator& locate, std::vector<std::string>* programs) {
  std::vector<PrefetchRead> reads;
  std::set<std::string> seen;
  Collect(key, 1.0, 0, 0, profiles, launches, o, seen, reads);
  if (programs) programs->assign(seen.begin(), seen.end());
  reads = Merge(std::move(reads));

  // Locate every read: drop the ones whose file is gone, clamp them to the file's size, and
  // make whole-file reads explicit.
  struct Located {
    PrefetchRead read;
    uint64_t physical;
  };
  std::vector<Located> located;
  for (PrefetchRead& r : reads) {
    auto place = locate(r.path, r.pages.first * kPageBytes);
    if (!place) continue;
    uint64_t file_pages = (place->size + kPageBytes - 1) / kPageBytes;
    if (r.pages.count == 0) r.pages = {0, file_pages};
    if (r.pages.first >= file_pages) continue;
    r.pages.count = std::min(r.pages.count, file_pages - r.pages.first);
    r.dev = place->dev;
    r.ino = place->ino;
    located.push_back({std::move(r), place->physical.value_or(UINT64_MAX)});
  }

  // The budget keeps what is needed first (and, at the same time, what is most likely).
  std::sort(located.begin(), located.end(), [](const Located& a, const Located& b) {
    return a.read.at_ms != b.read.at_ms ? a.read.at_ms < b.read.at_ms : a.read.probability > b.read.probability;
  });
  uint64_t budget = o.max_bytes / kPageBytes;
  std::vector<Located> kept;
  for (Located& l : located) {
    if (budget == 0) break;
    l.read.pages.count = std::min(l.read.pages.count, budget);
    budget -= l.read.pages.count;
    kept.push_back(std::move(l));
  }

  const TimeMs slice = std::max<TimeMs>(1, o.slice_ms);
  std::stable_sort(kept.begin(), kept.end(), [&](const Located& a, const Located& b) {
    return std::make_tuple(a.read.at_ms / slice, a.read.dev, a.physical) <
           std::make_tuple(b.read.at_ms / slice, b.read.dev, b.physical);
  });
  std::vector<PrefetchRead> files;
  files.reserve(kept.size());
  for (Located& l : kept) files.push_back(std::move(l.read));
  std::vector<PrefetchRead> out = Directories(files, o.max_directories);
  out.insert(out.end(), std::make_move_iterator(files.begin()), std::make_move_iterator(files.end()));
  return out;
}

uint64_t PlanBytes(const std::vector<PrefetchRead>& plan) {
  uint64_t pages = 0;
  for (const PrefetchRead& r : plan) pages += r.pages.count;
  return pages * kPageBytes;
}

}  // namespace hostmind
