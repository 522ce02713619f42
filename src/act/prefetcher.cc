#include "act/prefetcher.h"

#include <dirent.h>
#include <fcntl.h>
#include <linux/fiemap.h>
#include <linux/fs.h>
#include <linux/openat2.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <set>
#include <string_view>

namespace hostmind {

namespace {

int64_t NowUs() {
  using namespace std::chrono;
  return duration_cast<microseconds>(steady_clock::now().time_since_epoch()).count();
}

int OpenForPrefetch(const std::string& path) {
  // O_NOATIME: prefetching is not a use of the file. Refused unless we own it or are root.
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOATIME | O_NONBLOCK);
  if (fd < 0 && errno == EPERM) fd = open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  return fd;
}

// Reads [offset, offset + length) of `fd` into the page cache and waits for it. The descriptor's
// readahead is turned off (POSIX_FADV_RANDOM: it is our own descriptor), so exactly this range
// is read, in as few requests as the device takes.
bool ReadThrough(int fd, uint64_t offset, uint64_t length, std::vector<char>& buffer) {
  posix_fadvise(fd, 0, 0, POSIX_FADV_RANDOM);
  while (length > 0) {
    ssize_t n = pread(fd, buffer.data(), std::min<uint64_t>(length, buffer.size()), static_cast<off_t>(offset));
    if (n <= 0) return false;
    offset += static_cast<uint64_t>(n);
    length -= static_cast<uint64_t>(n);
  }
  return true;
}

// Directories larger than this (a /usr/bin of a thousand entries) are not warmed: the launch
// looks up few of their names, and the files it reads there are opened by their own reads.
constexpr off_t kMaxWarmDirectoryBytes = 32 << 10;

// Lists the directory and reads its entries' inodes: the blocks a lookup in it needs, whether
// the name is there or not (python stats the .py beside each .pyc it reads, gcc probes its
// include path), read by the prefetch threads in parallel instead of by the launch one by one.
// Takes ownership of `fd`.
bool WarmDirectory(int fd) {
  struct stat st{};
  if (fstat(fd, &st) != 0 || !S_ISDIR(st.st_mode) || st.st_size > kMaxWarmDirectoryBytes) {
    close(fd);
    return false;
  }
  DIR* dir = fdopendir(fd);
  if (!dir) {
    close(fd);
    return false;
  }
  while (const dirent* e = readdir(dir)) {
    std::string_view name = e->d_name;
    if (name == "." || name == "..") continue;
    struct stat entry{};
    fstatat(fd, e->d_name, &entry, AT_SYMLINK_NOFOLLOW);
  }
  closedir(dir);
  return true;
}

// Whether page `page` of the file is in the page cache, looking without reading anything: the
// path is resolved from the dentry cache only (RESOLVE_CACHED: a path not cached there means
// a cold file), the page by mincore. nullopt when the file is gone.
std::optional<bool> PageCached(const std::string& path, uint64_t page) {
  open_how how{};
  how.flags = O_RDONLY | O_CLOEXEC;
  how.resolve = RESOLVE_CACHED;
  int fd = static_cast<int>(syscall(SYS_openat2, AT_FDCWD, path.c_str(), &how, sizeof how));
  if (fd < 0) return errno == ENOENT ? std::nullopt : std::optional<bool>(false);
  void* map = mmap(nullptr, kPageBytes, PROT_READ, MAP_SHARED, fd, static_cast<off_t>(page * kPageBytes));
  close(fd);
  if (map == MAP_FAILED) return std::nullopt;
  unsigned char resident = 0;
  bool cached = mincore(map, kPageBytes, &resident) == 0 && (resident & 1) != 0;
  munmap(map, kPageBytes);
  return cached;
}

}  // namespace

// Whether a launch's pages are cached already (it ran recently and nothing evicted them): the
// first page of every file read, every one there resident; in a large plan, of 256 reads spread
// over it (a few microseconds each; a cold launch stops at its first cold read). Every read,
// not a handful: eviction takes the rarely used files and leaves libc, so a small sample
// passes for warm. Looked at before any read is queued, so only the launch itself can have
// brought a sampled page in, and it races us for its first pages only.
bool PlanResident(const std::vector<PrefetchRead>& reads) {
  std::vector<const PrefetchRead*> files;
  for (const PrefetchRead& r : reads)
    if (!r.directory) files.push_back(&r);
  const size_t n = std::min<size_t>(256, files.size());
  size_t seen = 0;
  for (size_t i = 0; i < n; ++i) {
    const PrefetchRead& r = *files[i * files.size() / n];
    std::optional<bool> cached = PageCached(r.path, r.pages.first);
    if (cached == false) return false;
    seen += cached.has_value();
  }
  return seen > 0;
}

const char* PrefetchReasonName(PrefetchReason reason) {
  return reason == PrefetchReason::kExec ? "exec" : "predicted";
}

Prefetcher::Prefetcher(PrefetcherOptions options, std::function<void(int32_t tid)> on_thread_start,
                       ResultCallback on_result)
    : options_(options), on_thread_start_(std::move(on_thread_start)), on_result_(std::move(on_result)) {
  for (int i = 0; i < std::max(1, options_.threads); ++i)
    threads_.emplace_back([this](std::stop_token st) { Work(st); });
}

Prefetcher::~Prefetcher() {
  for (auto& t : threads_) t.request_stop();
  cv_.notify_all();
  threads_.clear();  // joins
}

void Prefetcher::Submit(PrefetchJob job) {
  auto j = std::make_shared<Job>();
  j->job = std::move(job);
  j->submitted_us = NowUs();
  if (j->job.reads.empty()) {
    Finish(*j);
    return;
  }
  const bool guess = j->job.reason == PrefetchReason::kPredicted;
  if (!guess) HoldGuesses(*j);
  if (j->job.stop_if_cached && PlanResident(j->job.reads)) {
    j->cached = true;
    Finish(*j);
    return;
  }
  // A guess is read through, piece by piece, never queued: what it has in flight is then at
  // most a piece per thread, so a launch that starts meanwhile (its reads overtake the guess's
  // in the task queue) waits for that much of it at most, even on a slow disk, instead of for
  // everything the guesses queued before it.
  const uint64_t piece_pages = (guess ? kGuessPieceBytes : options_.piece_bytes) / kPageBytes;
  for (size_t i = 0; i < j->job.reads.size(); ++i) {
    const PageRange r = j->job.reads[i].pages;
    if (piece_pages == 0 || r.count <= piece_pages) {
      j->pieces.push_back({i, r, guess});
      continue;
    }
    for (uint64_t first = r.first; first < r.end(); first += piece_pages)
      j->pieces.push_back({i, {first, std::min(piece_pages, r.end() - first)}, true});
  }
  // Guesses wait behind every launch that is really starting, and the launch expected first
  // is read first: on a slow disk, the program due in a second must not queue behind one due
  // in a minute.
  const TimeMs base =
      j->job.ts + (j->job.reason == PrefetchReason::kPredicted ? kMsPerDay + j->job.launch_in_ms : 0);
  {
    std::lock_guard lock(mu_);
    TimeMs due = base;
    for (size_t i = 0; i < j->pieces.size(); ++i) {
      due = std::max(due, base + j->job.reads[j->pieces[i].read].at_ms);
      tasks_.push({due, seq_++, j, i});
    }
  }
  cv_.notify_all();
}

void Prefetcher::HoldGuesses(const Job& launch) {
  TimeMs last_touch = 0;
  for (const PrefetchRead& r : launch.job.reads) last_touch = std::max(last_touch, r.at_ms);
  std::lock_guard lock(mu_);
  guesses_held_until_us_ =
      std::max(guesses_held_until_us_, launch.submitted_us + 1000 * std::min(last_touch, kLaunchHoldMs));
}

size_t Prefetcher::CancelQueued() {
  std::vector<Task> dropped;
  {
    std::lock_guard lock(mu_);
    for (; !tasks_.empty(); tasks_.pop()) dropped.push_back(tasks_.top());
  }
  for (Task& t : dropped)
    if (++t.job->done == t.job->pieces.size()) Finish(*t.job);
  return dropped.size();
}

size_t Prefetcher::queued_reads() const {
  std::lock_guard lock(mu_);
  return tasks_.size();
}

void Prefetcher::Work(std::stop_token stop) {
  if (on_thread_start_) on_thread_start_(static_cast<int32_t>(syscall(SYS_gettid)));
  std::vector<char> buffer(std::max<uint64_t>(options_.piece_bytes, kGuessPieceBytes));
  while (std::optional<Task> task = Next(stop)) {
    Job& job = *task->job;
    Issue(job, job.pieces[task->index], buffer);
    if (++job.done == job.pieces.size()) Finish(job);
  }
}

std::optional<Prefetcher::Task> Prefetcher::Next(std::stop_token& stop) {
  std::unique_lock lock(mu_);
  while (!stop.stop_requested()) {
    if (tasks_.empty()) {
      cv_.wait(lock, stop, [&] { return !tasks_.empty(); });
      continue;
    }
    const auto held = [&] { return tasks_.top().job->job.reason == PrefetchReason::kPredicted; };
    const int64_t now = NowUs();
    if (held() && now < guesses_held_until_us_) {
      // A launch's reads overtake every guess in the queue, so a guess first means the launch's
      // own reads are all issued; it reads the rest itself, and a guess would share the disk.
      // Waits out the hold, or until a launch's reads are queued.
      cv_.wait_for(lock, stop, std::chrono::microseconds(guesses_held_until_us_ - now),
                   [&] { return tasks_.empty() || !held(); });
      continue;
    }
    Task task = tasks_.top();
    tasks_.pop();
    return task;
  }
  return std::nullopt;
}

void Prefetcher::Issue(Job& job, const Piece& piece, std::vector<char>& buffer) {
  const PrefetchRead& read = job.job.reads[piece.read];
  int64_t expected = 0;
  job.first_us.compare_exchange_strong(expected, NowUs());
  const bool first_piece = piece.pages.first == read.pages.first;  // counts the file once
  int fd = OpenForPrefetch(read.path);
  if (read.directory) {
    if (fd >= 0 && WarmDirectory(fd)) job.directories++;
    return;
  }
  if (fd < 0) {
    if (first_piece) job.missing++;
    return;
  }
  struct stat st{};
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    if (first_piece) job.missing++;
    close(fd);
    return;
  }
  const uint64_t size = static_cast<uint64_t>(st.st_size);
  uint64_t offset = piece.pages.first * kPageBytes;
  uint64_t length = piece.pages.count == 0 ? size : piece.pages.count * kPageBytes;
  if (offset < size) {
    length = std::min(length, size - offset);  // learnt ranges may outlive a shorter file
    bool ok = piece.read_through ? ReadThrough(fd, offset, length, buffer)
                         : readahead(fd, static_cast<off64_t>(offset), length) == 0;
    if (ok) job.bytes += length;
  }
  if (first_piece) job.opened++;
  {
    std::lock_guard lock(job.files_mu);
    job.files.push_back({static_cast<uint64_t>(st.st_dev), static_cast<uint64_t>(st.st_ino), read.path});
  }
  close(fd);
}

void Prefetcher::Finish(Job& job) {
  PrefetchResult r;
  r.id = job.job.id;
  r.bytes_requested = job.bytes.load();
  r.files_opened = job.opened.load();
  r.files_missing = job.missing.load();
  r.directories = job.directories.load();
  r.cached = job.cached.load();
  int64_t first = job.first_us.load();
  int64_t now = NowUs();
  r.queue_us = first > 0 ? first - job.submitted_us : 0;
  r.issue_us = first > 0 ? now - first : 0;
  {
    std::lock_guard lock(job.files_mu);
    std::set<std::pair<uint64_t, uint64_t>> seen;
    for (auto& f : job.files)
      if (seen.insert({f.dev, f.ino}).second) r.files.push_back(std::move(f));
  }
  if (on_result_) on_result_(std::move(r));
}

std::optional<uint64_t> PhysicalOffset(int fd, uint64_t offset) {
  alignas(fiemap) char buf[sizeof(fiemap) + sizeof(fiemap_extent)] = {};
  auto* map = reinterpret_cast<fiemap*>(buf);
  map->fm_start = offset;
  map->fm_length = kPageBytes;
  map->fm_extent_count = 1;
  if (ioctl(fd, FS_IOC_FIEMAP, map) != 0 || map->fm_mapped_extents == 0) return std::nullopt;
  const fiemap_extent& e = map->fm_extents[0];
  if (e.fe_flags & (FIEMAP_EXTENT_UNKNOWN | FIEMAP_EXTENT_DATA_INLINE | FIEMAP_EXTENT_NOT_ALIGNED)) return std::nullopt;
  if (offset < e.fe_logical) return e.fe_physical;
  return e.fe_physical + (offset - e.fe_logical);
}

}  // namespace hostmind
