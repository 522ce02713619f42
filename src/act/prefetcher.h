#pragma once
// Prefetcher: the I/O engine of prefetching. A few threads open the planned files and ask the
// kernel to read the planned ranges into the page cache: several threads, because opening a
// cold file blocks on its inode and directory blocks, and a deep queue is what makes a disk
// fast. Reads are issued by when they are needed (earliest first, across jobs; predictions
// after every real launch, and among themselves by when their launch is expected). A small
// read of a launch is queued and left to the disk (readahead(2)); a large one (with
// io_piece) is read piece by piece, each piece waited for, so that what is in flight stays
// bounded and a large file's tail does not queue ahead of what the launch needs next. A
// prediction's reads are all read through piece by piece: a guess never has more than a piece
// per thread in flight ahead of a launch that starts while it is read. And guesses yield to a
// launch: none is started while a launch with a plan is still reading its files (until the last
// first touch its profile learnt, at most kLaunchHoldMs), whether its plan was read or found
// cached: the launch's own reads (what no plan holds) do not queue behind reads for programs
// that have not started.
// Each job reports what it did when its last read is issued.
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <queue>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "core/startup_trace.h"
#include "core/status.h"

namespace hostmind {

// One region of one file to bring in.
struct PrefetchRead {
  std::string path;
  uint64_t dev = 0, ino = 0;  // the file when the plan was made (for the hit accounting)
  PageRange pages;          // count == 0: the whole file
  TimeMs at_ms = 0;         // when the launch is expected to need it, after its exec
  double probability = 0;   // how likely it is needed
  // Not a file but a directory the launch looks names up in: list it and read its entries'
  // inodes (no pages, no dev/ino: the filesystem's metadata is not in the hit accounting).
  bool directory = false;
};

enum class PrefetchReason { kExec, kPredicted };
const char* PrefetchReasonName(PrefetchReason reason);

struct PrefetchJob {
  uint64_t id = 0;
  PrefetchReason reason = PrefetchReason::kExec;
  std::string key;          // the program
  int32_t pid = 0;          // the exec that triggered it (0 for predictions)
  TimeMs ts = 0;
  TimeMs launch_in_ms = 0;  // a prediction: when its launch is expected, after ts
  std::vector<PrefetchRead> reads;  // in the order to issue them
  // Submit first looks whether the plan's pages are cached (a warm launch; the first page of
  // each read, at most 256, never waiting on the disk): then nothing is read.
  bool stop_if_cached = false;
};

struct PrefetchFile {
  uint64_t dev = 0, ino = 0;
  std::string path;
};

struct PrefetchResult {
  uint64_t id = 0;
  uint64_t bytes_requested = 0;   // within the files' sizes
  uint32_t files_opened = 0;
  uint32_t files_missing = 0;     // gone or unreadable since they were learnt
  uint32_t directories = 0;       // listed, their entries' inodes read
  bool cached = false;            // stopped: the sampled pages were cached already
  int64_t queue_us = 0;           // from Submit to the first read
  int64_t issue_us = 0;           // from the first read to the last one queued
  std::vector<PrefetchFile> files;
};

// Predicted launches' reads are read through in pieces of at most this (see Submit).
inline constexpr uint64_t kGuessPieceBytes = 512 << 10;
// The longest a launch holds guesses back (a program whose profile reads files for longer
// does not starve the guesses past this).
inline constexpr TimeMs kLaunchHoldMs = 3000;

struct PrefetcherOptions {
  int threads = 4;
  // Reads larger than this are read in pieces of this size, each waited for; 0: every read is
  // queued at once, whatever its size.
  uint64_t piece_bytes = 0;
};

class Prefetcher {
 public:
  using ResultCallback = std::function<void(PrefetchResult)>;
  // `on_thread_start` runs on each I/O thread first (to register its tid with the tracer);
  // `on_result` on the I/O thread that finished a job.
  Prefetcher(PrefetcherOptions options, std::function<void(int32_t tid)> on_thread_start, ResultCallback on_result);
  ~Prefetcher();
  Prefetcher(const Prefetcher&) = delete;
  Prefetcher& operator=(const Prefetcher&) = delete;

  // Queues a job (unless stop_if_cached finds it needless). Thread-safe.
  void Submit(PrefetchJob job);
  // Drops every read not yet issued; the jobs they belonged to report what they did. Returns
  // how many reads were dropped. Thread-safe.
  size_t CancelQueued();
  size_t queued_reads() const;

 private:
  struct Piece {
    size_t read = 0;  // index in the job's reads
    PageRange pages;
    bool read_through = false;  // a piece of a large read: read and waited for, not just queued
  };
  struct Job {
    PrefetchJob job;
    std::vector<Piece> pieces;
    std::atomic<size_t> done{0};
    std::atomic<uint64_t> bytes{0};
    std::atomic<uint32_t> opened{0}, missing{0}, directories{0};
    std::atomic<bool> cached{false};
    int64_t submitted_us = 0;
    std::atomic<int64_t> first_us{0};
    std::mutex files_mu;
    std::vector<PrefetchFile> files;
  };
  // One piece, due when its launch is expected to need it: pieces of all jobs are issued
  // earliest due first, so a new launch's first reads overtake the late reads of a large job.
  // Within a job, due times never decrease along the plan, which keeps the plan's (on-disk) order.
  struct Task {
    TimeMs due = 0;
    uint64_t seq = 0;  // submission order breaks ties
    std::shared_ptr<Job> job;
    size_t index = 0;
    bool operator<(const Task& o) const { return due != o.due ? due > o.due : seq > o.seq; }  // min-heap
  };
  // Holds guesses back until `launch` has read its files.
  void HoldGuesses(const Job& launch);
  void Work(std::stop_token stop);
  // Pops the task to issue next, waiting while there is none, or while the first is a guess and
  // a launch holds guesses back; nullopt when stopping.
  std::optional<Task> Next(std::stop_token& stop);
  void Issue(Job& job, const Piece& piece, std::vector<char>& buffer);
  void Finish(Job& job);

  const PrefetcherOptions options_;
  std::function<void(int32_t)> on_thread_start_;
  ResultCallback on_result_;
  mutable std::mutex mu_;
  std::condition_variable_any cv_;
  std::priority_queue<Task> tasks_;
  uint64_t seq_ = 0;
  int64_t guesses_held_until_us_ = 0;  // a launch is reading its files until then
  std::vector<std::jthread> threads_;
};

// Whether the pages `reads` would bring in are in the page cache already: the first page of each
// file read (at most 256, spread over the plan), looked at without reading anything. A launch
// that ran recently and was not evicted since passes; one cold read fails it.
bool PlanResident(const std::vector<PrefetchRead>& reads);

// The physical byte offset of `offset` in the open file `fd` on its device (FIEMAP), to issue reads in
// on-disk order; nullopt where the filesystem cannot tell (tmpfs, inline data, holes).
std::optional<uint64_t> PhysicalOffset(int fd, uint64_t offset);

}  // namespace hostmind
