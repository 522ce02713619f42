// Prefetching on the real kernel: the eBPF tracer sees what a real program reads (its pages), the
// prefetcher really brings a file's pages into the page cache (checked with mincore), and the
// analyzer, having learnt a program, prefetches its file at the program's next exec and counts
// the pages the program then used as hits.
#include <fcntl.h>
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <fstream>
#include <mutex>
#include <optional>
#include <thread>

#include "act/prefetch_analyzer.h"
#include "act/prefetcher.h"
#include "collect/prefetch/fanotify_tracer.h"
#include "collect/prefetch/page_tracer.h"
#include "test_util.h"

namespace hostmind {
namespace {

constexpr uint64_t kFilePages = 256;  // 1 MiB

// A temporary directory on a block-backed filesystem (the page cache of tmpfs is not a cache),
// or "" after GTEST_SKIP.
std::string BlockBackedDir(const testing::TempDir& tmp) {
  for (std::string dir : {tmp.path(), std::string("/var/tmp")}) {
    struct statfs fs{};
    if (statfs(dir.c_str(), &fs) == 0 && fs.f_type != 0x01021994 /* TMPFS_MAGIC */) return dir;
  }
  return "";
}

std::string MakeFile(const std::string& dir, const std::string& name) {
  std::string path = dir + "/" + name;
  std::ofstream out(path, std::ios::binary);
  std::string page(kPageBytes, 'x');
  for (uint64_t i = 0; i < kFilePages; ++i) out << page;
  out.close();
  return path;
}

// Drops the file's pages from the page cache (clean pages only: sync first).
void Evict(const std::string& path) {
  int fd = open(path.c_str(), O_RDONLY);
  fdatasync(fd);
  posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
  close(fd);
}

// Resident pages of `path`, by mincore.
std::vector<bool> Resident(const std::string& path) {
  int fd = open(path.c_str(), O_RDONLY);
  void* map = mmap(nullptr, kFilePages * kPageBytes, PROT_READ, MAP_SHARED, fd, 0);
  std::vector<unsigned char> vec(kFilePages);
  mincore(map, kFilePages * kPageBytes, vec.data());
  munmap(map, kFilePages * kPageBytes);
  close(fd);
  std::vector<bool> out;
  for (unsigned char v : vec) out.push_back(v & 1);
  return out;
}

size_t Count(const std::vector<bool>& v, size_t from, size_t to) {
  size_t n = 0;
  for (size_t i = from; i < to; ++i) n += v[i];
  return n;
}

// Runs `dd` reading pages [skip, skip + count) of `path`; returns its pid.
int32_t RunDd(const std::string& path, int skip, int count) {
  std::string cmd = "exec /bin/dd if=" + path + " of=/dev/null bs=4096 skip=" + std::to_string(skip) +
                    " count=" + std::to_string(count) + " status=none";
  pid_t pid = fork();
  if (pid == 0) {
    execl("/bin/sh", "sh", "-c", cmd.c_str(), nullptr);
    _exit(127);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  EXPECT_EQ(0, status);
  return pid;
}

std::unique_ptr<PageTracer> StartTracerOrSkip() {
  PageTracerOptions o;
  o.window_ms = 1000;
  auto t = PageTracer::Start(o);
  if (!t.ok()) {
    [&] { GTEST_SKIP() << t.status().ToString(); }();
    return nullptr;
  }
  if (!(*t)->exact_pages()) {
    [&] { GTEST_SKIP() << (*t)->degraded_reason(); }();
    return nullptr;
  }
  return std::move(t).value();
}

TEST(PrefetchRuntimeTest, TracerSeesTheExecAndThePagesARealProgramReads) {
  testing::TempDir tmp;
  std::string dir = BlockBackedDir(tmp);
  if (dir.empty()) GTEST_SKIP() << "no block-backed temporary directory";
  std::mutex mu;  // declared before the tracer, whose thread uses them until it is destroyed
  std::vector<ExecNotice> execs;
  auto tracer = StartTracerOrSkip();
  if (!tracer) return;
  std::string file = MakeFile(dir, "traced.bin");
  tracer->SetExecCallback([&](const ExecNotice& n) {
    std::lock_guard lock(mu);
    execs.push_back(n);
  });
  int32_t pid = RunDd(file, 100, 20);
  std::vector<StartupTrace> traces;
  const StartupTrace* dd = nullptr;
  for (int i = 0; i < 100 && !dd; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    tracer->DrainTraces(traces);
    for (const auto& t : traces)  // sh, then dd when sh execs it: two launches of one pid
      if (t.exec.pid == pid && t.exec.exe.ends_with("/dd")) dd = &t;
  }
  ASSERT_TRUE(dd) << "no startup trace for dd (pid " << pid << ")";
  ASSERT_GE(dd->exec.argv.size(), 2u);
  const FileTouch* touch = nullptr;
  for (const auto& f : dd->files)
    if (f.path == file) touch = &f;
  ASSERT_TRUE(touch) << "the file dd read is not in its trace";
  EXPECT_EQ(OverlapPages(touch->pages, {{100, 20}}), 20u) << "dd read pages 100-119";
  EXPECT_LE(TotalPages(touch->pages), 40u) << "pages dd did not read";
  bool libc = false;
  for (const auto& f : dd->files) libc |= f.path.find("libc.so") != std::string::npos;
  EXPECT_TRUE(libc) << "the C library dd maps is not in its trace";
  std::lock_guard lock(mu);
  bool seen = false;
  for (const auto& n : execs) seen |= n.pid == pid;
  EXPECT_TRUE(seen) << "no exec notice for dd";
  EXPECT_EQ(tracer->Stats().lost, 0u);
}

TEST(PrefetchRuntimeTest, FanotifyFallbackSeesTheExecAndTheFilesOpened) {
  testing::TempDir tmp;
  std::string dir = BlockBackedDir(tmp);
  if (dir.empty()) GTEST_SKIP() << "no block-backed temporary directory";
  std::mutex mu;
  std::vector<ExecNotice> execs;
  FanotifyTracerOptions o;
  o.window_ms = 500;
  auto tracer = FanotifyTracer::Start(o);
  if (!tracer.ok()) GTEST_SKIP() << tracer.status().ToString();
  (*tracer)->SetExecCallback([&](const ExecNotice& n) {
    std::lock_guard lock(mu);
    execs.push_back(n);
  });
  std::string file = MakeFile(dir, "opened.bin");
  // dd writes into a one-page pipe read only once its exec was announced: fanotify reports
  // asynchronously, and argv can only be read while the process lives.
  int pipefd[2];
  ASSERT_EQ(0, pipe(pipefd));
  fcntl(pipefd[1], F_SETPIPE_SZ, kPageBytes);
  pid_t pid = fork();
  if (pid == 0) {
    dup2(pipefd[1], 1);
    close(pipefd[0]);
    close(pipefd[1]);
    std::string in = "if=" + file;
    execl("/bin/dd", "dd", in.c_str(), "of=/dev/stdout", "bs=4096", "count=8", "status=none", nullptr);
    _exit(127);
  }
  close(pipefd[1]);
  auto announced = [&] {
    std::lock_guard lock(mu);
    for (const auto& n : execs)
      if (n.pid == pid && n.exe.ends_with("/dd")) return true;
    return false;
  };
  for (int i = 0; i < 100 && !announced(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  char buf[kPageBytes];
  while (read(pipefd[0], buf, sizeof buf) > 0) {
  }
  close(pipefd[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  ASSERT_EQ(0, status);
  const StartupTrace* dd = nullptr;
  std::vector<StartupTrace> traces;
  for (int i = 0; i < 60 && !dd; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    (*tracer)->DrainTraces(traces);
    for (const auto& t : traces)
      if (t.exec.pid == pid && t.exec.exe.ends_with("/dd")) dd = &t;
  }
  (*tracer)->SetExecCallback(nullptr);
  ASSERT_TRUE(dd) << "no fanotify trace for dd (pid " << pid << ")";
  EXPECT_GE(dd->exec.argv.size(), 2u) << "argv is read once the new image runs";
  const FileTouch* touch = nullptr;
  for (const auto& f : dd->files)
    if (f.path == file) touch = &f;
  ASSERT_TRUE(touch) << "the file dd opened is not in its trace";
  EXPECT_GE(OverlapPages(touch->pages, {{0, 8}}), 8u) << "its resident pages";
  EXPECT_TRUE(announced()) << "no exec notice for dd";
}

// Prefetches the directory of `file`, pages 64-95 of `file` and a file that does not exist; the
// job's result.
std::optional<PrefetchResult> PrefetchRange(PrefetcherOptions options, const std::string& file,
                                            bool stop_if_cached = false) {
  std::mutex mu;
  std::condition_variable cv;
  std::optional<PrefetchResult> result;
  Prefetcher prefetcher(options, nullptr, [&](PrefetchResult r) {
    std::lock_guard lock(mu);
    result = std::move(r);
    cv.notify_all();
  });
  PrefetchJob job;
  job.id = 1;
  PrefetchRead dir;
  dir.path = file.substr(0, file.rfind('/'));
  dir.directory = true;
  PrefetchRead read;
  read.path = file;
  read.pages = {64, 32};
  job.reads = {dir, read};
  PrefetchRead missing;
  missing.path = file + ".no-such-file";
  job.reads.push_back(missing);
  job.stop_if_cached = stop_if_cached;
  prefetcher.Submit(job);
  std::unique_lock lock(mu);
  cv.wait_for(lock, std::chrono::seconds(10), [&] { return result.has_value(); });
  return result;
}

TEST(PrefetchRuntimeTest, PrefetcherBringsTheRangeIntoThePageCache) {
  testing::TempDir tmp;
  std::string dir = BlockBackedDir(tmp);
  if (dir.empty()) GTEST_SKIP() << "no block-backed temporary directory";
  std::string file = MakeFile(dir, "prefetched.bin");
  Evict(file);
  ASSERT_EQ(Count(Resident(file), 0, kFilePages), 0u) << "could not evict the file (is it on tmpfs?)";
  auto result = PrefetchRange(PrefetcherOptions{2, 0}, file);
  ASSERT_TRUE(result);
  EXPECT_EQ(result->bytes_requested, 32 * kPageBytes);
  EXPECT_EQ(result->files_opened, 1u);
  EXPECT_EQ(result->files_missing, 1u);
  EXPECT_EQ(result->directories, 1u);
  // readahead(2) queues the reads; they land shortly after.
  std::vector<bool> resident;
  for (int i = 0; i < 100; ++i) {
    resident = Resident(file);
    if (Count(resident, 64, 96) == 32) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_EQ(Count(resident, 64, 96), 32u);
  EXPECT_EQ(Count(resident, 0, 64) + Count(resident, 96, kFilePages), 0u) << "pages outside the range";
}

TEST(PrefetchRuntimeTest, PrefetcherReadsALargeRangeThroughInPieces) {
  testing::TempDir tmp;
  std::string dir = BlockBackedDir(tmp);
  if (dir.empty()) GTEST_SKIP() << "no block-backed temporary directory";
  std::string file = MakeFile(dir, "pieces.bin");
  Evict(file);
  ASSERT_EQ(Count(Resident(file), 0, kFilePages), 0u) << "could not evict the file (is it on tmpfs?)";
  // 32 pages in pieces of 8: each piece is read and waited for, so all of them are resident
  // when the job reports, and nothing around them (the descriptor's readahead is off).
  auto result = PrefetchRange(PrefetcherOptions{2, 8 * kPageBytes}, file);
  ASSERT_TRUE(result);
  EXPECT_EQ(result->bytes_requested, 32 * kPageBytes);
  EXPECT_EQ(result->files_opened, 1u) << "a file read in pieces is one file";
  EXPECT_EQ(result->files_missing, 1u);
  std::vector<bool> resident = Resident(file);
  EXPECT_EQ(Count(resident, 64, 96), 32u);
  EXPECT_EQ(Count(resident, 0, 64) + Count(resident, 96, kFilePages), 0u) << "pages outside the range";
}

// A guess (a predicted launch's job) of `reads` one-page reads of `file`, cycling over its pages:
// with one I/O thread, a few thousand take tens of milliseconds.
PrefetchJob OnePageGuess(const std::string& file, uint64_t id, size_t reads) {
  PrefetchJob job;
  job.id = id;
  job.reason = PrefetchReason::kPredicted;
  job.ts = 1000;
  for (size_t i = 0; i < reads; ++i) {
    PrefetchRead r;
    r.path = file;
    r.pages = {i % kFilePages, 1};
    job.reads.push_back(r);
  }
  return job;
}

// The results a prefetcher reports, in order.
class Results {
 public:
  Prefetcher::ResultCallback Callback() {
    return [this](PrefetchResult r) {
      std::lock_guard lock(mu_);
      results_.push_back(std::move(r));
      cv_.notify_all();
    };
  }
  // The first `n` results, once there are that many; empty after `timeout`.
  std::vector<PrefetchResult> Await(size_t n, std::chrono::seconds timeout) {
    std::unique_lock lock(mu_);
    if (!cv_.wait_for(lock, timeout, [&] { return results_.size() >= n; })) return {};
    return results_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<PrefetchResult> results_;
};

TEST(PrefetchRuntimeTest, PrefetcherReadsTheGuessDueFirstFirst) {
  testing::TempDir tmp;
  std::string dir = BlockBackedDir(tmp);
  if (dir.empty()) GTEST_SKIP() << "no block-backed temporary directory";
  std::string file = MakeFile(dir, "guessed.bin");
  Results results;
  Prefetcher prefetcher(PrefetcherOptions{1, 0}, nullptr, results.Callback());
  // A guess for a launch expected in a minute, of 2,000 reads, then one for a launch expected
  // in a second: the second is read before the rest of the first, so it finishes first.
  PrefetchJob later = OnePageGuess(file, 1, 2000);
  later.launch_in_ms = 60 * kMsPerSecond;
  PrefetchJob sooner = OnePageGuess(file, 2, 1);
  sooner.launch_in_ms = kMsPerSecond;
  prefetcher.Submit(std::move(later));
  prefetcher.Submit(std::move(sooner));
  std::vector<PrefetchResult> done = results.Await(2, std::chrono::seconds(20));
  ASSERT_EQ(done.size(), 2u) << "the guesses did not both report";
  EXPECT_EQ(done[0].id, 2u) << "the guess due in a minute was read before the one due in a second";
}

TEST(PrefetchRuntimeTest, PrefetcherHoldsGuessesWhileALaunchReadsItsFiles) {
  testing::TempDir tmp;
  std::string dir = BlockBackedDir(tmp);
  if (dir.empty()) GTEST_SKIP() << "no block-backed temporary directory";
  std::string file = MakeFile(dir, "held.bin");
  Evict(file);
  Results results;
  Prefetcher prefetcher(PrefetcherOptions{2, 0}, nullptr, results.Callback());
  // A launch whose profile touches its last file 800 ms after the exec, then a guess: the
  // guess is not read until then (the launch would share the disk with it), the launch at once.
  PrefetchJob launch = OnePageGuess(file, 1, 1);
  launch.reason = PrefetchReason::kExec;
  launch.reads[0].at_ms = 800;
  const auto start = std::chrono::steady_clock::now();
  prefetcher.Submit(std::move(launch));
  prefetcher.Submit(OnePageGuess(file, 2, 1));
  std::vector<PrefetchResult> done = results.Await(2, std::chrono::seconds(20));
  const auto waited = std::chrono::steady_clock::now() - start;
  ASSERT_EQ(done.size(), 2u) << "the launch and the guess did not both report";
  EXPECT_EQ(done[0].id, 1u) << "the guess was read before the launch";
  EXPECT_GE(waited, std::chrono::milliseconds(790)) << "the guess was read while the launch was reading";
  EXPECT_LT(done[0].queue_us, 500'000) << "the launch's own read waited";
  // Once the launch is done reading, guesses go at once.
  const auto again = std::chrono::steady_clock::now();
  prefetcher.Submit(OnePageGuess(file, 3, 1));
  ASSERT_EQ(results.Await(3, std::chrono::seconds(20)).size(), 3u);
  EXPECT_LT(std::chrono::steady_clock::now() - again, std::chrono::milliseconds(700)) << "a guess with no launch waited";
  // A launch whose plan is cached reads nothing, and still holds guesses: what it reads itself
  // would queue behind them.
  for (int i = 0; i < 100 && !Resident(file)[0]; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  ASSERT_TRUE(Resident(file)[0]) << "the launch's page never arrived";
  PrefetchJob warm = OnePageGuess(file, 4, 1);
  warm.reason = PrefetchReason::kExec;
  warm.stop_if_cached = true;
  warm.reads[0].at_ms = 800;
  const auto warm_start = std::chrono::steady_clock::now();
  prefetcher.Submit(std::move(warm));
  prefetcher.Submit(OnePageGuess(file, 5, 1));
  done = results.Await(5, std::chrono::seconds(20));
  ASSERT_EQ(done.size(), 5u);
  EXPECT_TRUE(done[3].cached) << "the warm launch's plan was read again";
  EXPECT_GE(std::chrono::steady_clock::now() - warm_start, std::chrono::milliseconds(790))
      << "a warm launch did not hold the guess";
}

TEST(PrefetchRuntimeTest, PrefetcherDropsWhatIsQueuedWhenCancelled) {
  testing::TempDir tmp;
  std::string dir = BlockBackedDir(tmp);
  if (dir.empty()) GTEST_SKIP() << "no block-backed temporary directory";
  std::string file = MakeFile(dir, "cancelled.bin");
  Results results;
  Prefetcher prefetcher(PrefetcherOptions{1, 0}, nullptr, results.Callback());
  prefetcher.Submit(OnePageGuess(file, 7, 5000));
  EXPECT_GT(prefetcher.CancelQueued(), 0u) << "the one thread had issued all 5,000 reads already";
  EXPECT_EQ(prefetcher.queued_reads(), 0u);
  std::vector<PrefetchResult> done = results.Await(1, std::chrono::seconds(10));
  ASSERT_EQ(done.size(), 1u) << "the cancelled job never reported";
  EXPECT_EQ(done[0].id, 7u);
  EXPECT_LT(done[0].bytes_requested, 5000 * kPageBytes);
}

TEST(PrefetchRuntimeTest, PrefetcherStopsWhenTheLaunchsPagesAreCached) {
  testing::TempDir tmp;
  std::string dir = BlockBackedDir(tmp);
  if (dir.empty()) GTEST_SKIP() << "no block-backed temporary directory";
  std::string file = MakeFile(dir, "probed.bin");
  Evict(file);
  ASSERT_EQ(Count(Resident(file), 0, kFilePages), 0u) << "could not evict the file (is it on tmpfs?)";
  auto cold = PrefetchRange(PrefetcherOptions{1, 0}, file, true);
  ASSERT_TRUE(cold);
  EXPECT_FALSE(cold->cached) << "the file was not cached";
  EXPECT_EQ(cold->bytes_requested, 32 * kPageBytes);
  std::vector<bool> resident = Resident(file);
  for (int i = 0; i < 100 && Count(resident, 64, 96) < 32; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    resident = Resident(file);
  }
  ASSERT_EQ(Count(resident, 64, 96), 32u);
  // Now its pages are cached: the sample says so, and nothing more is read.
  auto warm = PrefetchRange(PrefetcherOptions{1, 0}, file, true);
  ASSERT_TRUE(warm);
  EXPECT_TRUE(warm->cached);
  EXPECT_EQ(warm->bytes_requested, 0u);
}

// Runs `script` with /bin/sh; returns the shell's pid.
int32_t RunScript(const std::string& script) {
  pid_t pid = fork();
  if (pid == 0) {
    execl("/bin/sh", "sh", script.c_str(), nullptr);
    _exit(127);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  EXPECT_EQ(0, status);
  return pid;
}

// A script (its own program: sh keys on its script) that waits, then has dd read a file, and
// an analyzer in enforce mode that has learnt it from two cold runs.
class LearntScript {
 public:
  // Skips (empty key()) without a block-backed directory or a tracer.
  LearntScript(const testing::TempDir& tmp, bool predict) {
    std::string dir = BlockBackedDir(tmp);
    if (dir.empty()) {
      [] { GTEST_SKIP() << "no block-backed temporary directory"; }();
      return;
    }
    tracer_ = StartTracerOrSkip();
    if (!tracer_) return;
    file_ = MakeFile(dir, "learnt.bin");
    script_ = dir + "/reader.sh";
    std::ofstream(script_) << "sleep 0.3\n/bin/dd if=" << file_ << " of=/dev/null bs=4096 count=128 status=none\n";
    PrefetchConfig config;
    config.mode = "enforce";
    config.learn_window_ms = 1000;
    config.memory_budget = 64 << 20;
    config.min_probability = 0.5;
    config.child_min_probability = 0.5;
    config.predict = predict;
    config.predict_min_probability = 0.01;
    config.predict_horizon_ms = 60 * kMsPerSecond;
    config.predict_interval_ms = 200;
    config.guess_reserve = 0;
    config.psi_limit = 1;
    config.io_threads = 2;
    config.order_slice_ms = 50;
    config.max_programs = 64;
    config.interpreters = {"sh", "dash"};
    analyzer_ = std::make_unique<PrefetchAnalyzer>(config, tracer_.get(), "", PrefetchHooks{});
    Analyze();
    // Learn: two cold runs (a warm launch is not prefetched again soon after: its pages are cached).
    for (int i = 0; i < 2; ++i) {
      Evict(file_);
      RunScript(script_);
      Settle(std::chrono::milliseconds(1800));
    }
    key_ = "/usr/bin/dash " + script_;
  }

  void Analyze() {
    Batch b;
    b.source = "memory";
    b.ts = SystemClock().Now();
    b.Gauge(SeriesKey("hostmind_memory_available_bytes"), 8e9);
    b.Gauge(SeriesKey("hostmind_memory_free_bytes"), 8e9);
    Analysis out;
    analyzer_->Analyze(b, out);
  }
  void Settle(std::chrono::milliseconds d) {
    for (auto end = std::chrono::steady_clock::now() + d; std::chrono::steady_clock::now() < end;) {
      Analyze();
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }
  // The jobs for the script since `since`.
  std::vector<JobRecord> JobsSince(TimeMs since, PrefetchReason reason) const {
    std::vector<JobRecord> out;
    for (const JobRecord& j : analyzer_->Jobs(1000))
      if (j.ts >= since && j.key == key_ && j.reason == reason) out.push_back(j);
    return out;
  }

  PrefetchAnalyzer& analyzer() { return *analyzer_; }
  const std::string& key() const { return key_; }
  const std::string& file() const { return file_; }
  const std::string& script() const { return script_; }

 private:
  std::unique_ptr<PageTracer> tracer_;
  std::unique_ptr<PrefetchAnalyzer> analyzer_;
  std::string file_, script_, key_;
};

TEST(PrefetchRuntimeTest, AnalyzerPrefetchesALearntProgramAtItsExecAndCountsHits) {
  testing::TempDir tmp;
  LearntScript rig(tmp, /*predict=*/false);
  if (rig.key().empty()) return;
  auto plan = rig.analyzer().PlanOf(rig.key());
  ASSERT_TRUE(plan) << "no plan for " << rig.key();
  bool planned = false;
  for (const auto& r : *plan) planned |= r.path == rig.file() && r.pages.first == 0 && r.pages.count >= 128;
  EXPECT_TRUE(planned) << "the script's plan does not hold dd's read of pages 0-127 of the file";
  // Evict the file and run the script again: the prefetch at its exec brings the pages back
  // before dd reads them.
  Evict(rig.file());
  ASSERT_EQ(Count(Resident(rig.file()), 0, kFilePages), 0u) << "could not evict the file";
  const TimeMs started = SystemClock().Now();
  int32_t pid = RunScript(rig.script());
  // The script's prefetch holds the file, and dd's exec, 300 ms later, gets no job of its own
  // (the script's covered it): the script's job brought the pages in, and dd's reads made them hits.
  uint64_t hits = 0, in = 0;
  std::vector<JobRecord> jobs;
  for (int i = 0; i < 50 && hits < 128; ++i) {
    rig.Settle(std::chrono::milliseconds(100));
    jobs = rig.analyzer().Jobs(1000);
    hits = in = 0;
    for (const auto& j : jobs)
      if (j.ts >= started && j.key == rig.key()) {
        hits += j.pages_hit;
        in += j.pages_in;
      }
  }
  EXPECT_GE(hits, 128u) << "the file's pages, prefetched at the script's exec, were not counted as its hits";
  EXPECT_LE(hits, in);
  for (const auto& j : jobs) EXPECT_FALSE(j.ts >= started && j.key == "/usr/bin/dd") << "dd got a job of its own";
  rig.Settle(std::chrono::milliseconds(1100));  // the overview is refreshed every second
  EXPECT_GE(rig.analyzer().Overview().skipped["covered by its parent's prefetch"], 1u);
  bool script_job = false;
  for (const auto& j : jobs) script_job |= j.pid == pid && j.key == rig.key() && j.reason == PrefetchReason::kExec;
  EXPECT_TRUE(script_job) << "no prefetch at the script's exec";
}

TEST(PrefetchRuntimeTest, AnalyzerReadsAPredictedProgramAgainWhenItsPagesAreEvicted) {
  testing::TempDir tmp;
  LearntScript rig(tmp, /*predict=*/true);
  if (rig.key().empty()) return;
  // The script was launched twice within the horizon: it is predicted to follow itself. Each
  // time its file is evicted, the next prediction reads it back in without a launch.
  for (int round = 0; round < 2; ++round) {
    rig.Settle(std::chrono::milliseconds(500));  // whatever is in flight lands first
    Evict(rig.file());
    ASSERT_LT(Count(Resident(rig.file()), 0, 128), 128u) << "could not evict the file";
    const TimeMs evicted = SystemClock().Now();
    size_t resident = 0;
    for (int i = 0; i < 40 && resident < 128; ++i) {
      rig.Settle(std::chrono::milliseconds(100));
      resident = Count(Resident(rig.file()), 0, 128);
    }
    EXPECT_EQ(resident, 128u) << "round " << round << ": the predicted script's pages were not read back";
    rig.Settle(std::chrono::milliseconds(2100));  // the analyzer's job list is refreshed every 2 s
    std::string seen;
    for (const JobRecord& j : rig.analyzer().Jobs(1000))
      if (j.ts >= evicted) seen += fmt::format("\n  {} {} pid {}", PrefetchReasonName(j.reason), j.key, j.pid);
    EXPECT_GE(rig.JobsSince(evicted, PrefetchReason::kPredicted).size(), 1u)
        << "round " << round << ": no predicted prefetch after the eviction; jobs since:" << seen;
  }
  // Resident again, the prediction stands but reads nothing more.
  const TimeMs warm = SystemClock().Now();
  rig.Settle(std::chrono::milliseconds(2100));
  EXPECT_TRUE(rig.JobsSince(warm, PrefetchReason::kPredicted).empty()) << "a cached guess was read again";
}

}  // namespace
}  // namespace hostmind
