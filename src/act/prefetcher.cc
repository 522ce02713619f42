#include "act/prefetcher.h"

#include <fcntl.h>
#include <linux/fiemap.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <set>

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

}  // namespace

const char* PrefetchReasonName(PrefetchReason reason) {
  return reason == PrefetchReason::kExec ? "exec" : "predicted";
}

Prefetcher::Prefetcher(int threads, std::function<void(int32_t tid)> on_thread_start, ResultCallback on_result)
    : on_thread_start_(std::move(on_thread_start)), on_result_(std::move(on_result)) {
  for (int i = 0; i < std::max(1, threads); ++i)
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
  // Guesses wait behind every launch that is really starting.
  const TimeMs base = j->job.ts + (j->job.reason == PrefetchReason::kPredicted ? kMsPerDay : 0);
  {
    std::lock_guard lock(mu_);
    TimeMs due = base;
    for (size_t i = 0; i < j->job.reads.size(); ++i) {
      due = std::max(due, base + j->job.reads[i].at_ms);
      tasks_.push({due, seq_++, j, i});
    }
  }
  cv_.notify_all();
}

size_t Prefetcher::queued_reads() const {
  std::lock_guard lock(mu_);
  return tasks_.size();
}

void Prefetcher::Work(std::stop_token stop) {
  if (on_thread_start_) on_thread_start_(static_cast<int32_t>(syscall(SYS_gettid)));
  while (!stop.stop_requested()) {
    Task task;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, stop, [&] { return !tasks_.empty(); });
      if (stop.stop_requested()) return;
      task = tasks_.top();
      tasks_.pop();
    }
    Job& job = *task.job;
    Issue(job, job.job.reads[task.index]);
    if (++job.done == job.job.reads.size()) Finish(job);
  }
}

void Prefetcher::Issue(Job& job, const PrefetchRead& read) {
  int64_t expected = 0;
  job.first_us.compare_exchange_strong(expected, NowUs());
  int fd = OpenForPrefetch(read.path);
  if (fd < 0) {
    job.missing++;
    return;
  }
  struct stat st{};
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    job.missing++;
    close(fd);
    return;
  }
  const uint64_t size = static_cast<uint64_t>(st.st_size);
  uint64_t offset = read.pages.first * kPageBytes;
  uint64_t length = read.pages.count == 0 ? size : read.pages.count * kPageBytes;
  if (offset < size) {
    length = std::min(length, size - offset);  // learnt ranges may outlive a shorter file
    if (readahead(fd, static_cast<off64_t>(offset), length) == 0) job.bytes += length;
  }
  job.opened++;
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
