#include "collect/prefetch/fanotify_tracer.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/fanotify.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <set>

#include <spdlog/spdlog.h>

#include "core/host_env.h"

namespace hostmind {

namespace {

constexpr uint64_t kNsPerMs = 1000000;
// An exec's interpreter (ld.so, a script's shell) is opened for exec right after the program.
constexpr uint64_t kInterpreterNs = 50 * kNsPerMs;

std::string FdPath(int fd) {
  char buf[4096];
  ssize_t n = readlink(("/proc/self/fd/" + std::to_string(fd)).c_str(), buf, sizeof buf - 1);
  return n > 0 ? std::string(buf, static_cast<size_t>(n)) : "";
}

// The block-device filesystems to mark, one mount point per device.
std::vector<std::string> BlockMounts() {
  DiskHostEnv env;
  std::vector<std::string> out;
  auto text = env.ReadFile("/proc/self/mountinfo");
  if (!text.ok()) return out;
  std::set<std::string> devices;
  size_t pos = 0;
  while (pos < text->size()) {
    size_t end = text->find('\n', pos);
    if (end == std::string::npos) end = text->size();
    std::string line = text->substr(pos, end - pos);
    pos = end + 1;
    // "36 35 98:0 / /mnt rw - ext4 /dev/vda rw": device after " - fstype ".
    size_t dash = line.find(" - ");
    if (dash == std::string::npos) continue;
    char devno[32], root[4096], mnt[4096], fstype[64], source[4096];
    if (sscanf(line.c_str(), "%*s %*s %31s %4095s %4095s", devno, root, mnt) != 3) continue;
    if (sscanf(line.c_str() + dash + 3, "%63s %4095s", fstype, source) != 2) continue;
    if (std::strncmp(source, "/dev/", 5) != 0 || !devices.insert(devno).second) continue;
    out.push_back(mnt);
  }
  return out;
}

}  // namespace

std::vector<PageRange> ResidentPages(const std::string& path, uint64_t max_pages) {
  std::vector<PageRange> out;
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOATIME | O_NONBLOCK);
  if (fd < 0) fd = open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) return out;
  struct stat st{};
  if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0) {
    uint64_t pages = std::min<uint64_t>((static_cast<uint64_t>(st.st_size) + kPageBytes - 1) / kPageBytes, max_pages);
    void* map = mmap(nullptr, pages * kPageBytes, PROT_READ, MAP_SHARED, fd, 0);
    if (map != MAP_FAILED) {
      std::vector<unsigned char> vec(pages);
      if (mincore(map, pages * kPageBytes, vec.data()) == 0)
        for (uint64_t i = 0; i < pages; ++i)
          if (vec[i] & 1) AddPages(out, {i, 1});
      munmap(map, pages * kPageBytes);
    }
  }
  close(fd);
  return out;
}

Result<std::unique_ptr<FanotifyTracer>> FanotifyTracer::Start(const FanotifyTracerOptions& options) {
  int fd = fanotify_init(FAN_CLASS_NOTIF | FAN_CLOEXEC | FAN_NONBLOCK, O_RDONLY | O_LARGEFILE | O_CLOEXEC | O_NOATIME);
  if (fd < 0) {
    int err = errno;
    return Status::FromErrno(err, err == EPERM ? "fanotify tracer: needs CAP_SYS_ADMIN (run as root)"
                                               : "fanotify tracer: fanotify_init");
  }
  std::vector<std::string> mounts = BlockMounts();
  int marked = 0;
  std::string last_error = "no block-device filesystem is mounted";
  for (const std::string& m : mounts) {
    if (fanotify_mark(fd, FAN_MARK_ADD | FAN_MARK_FILESYSTEM, FAN_OPEN | FAN_OPEN_EXEC, AT_FDCWD, m.c_str()) == 0)
      ++marked;
    else
      last_error = "fanotify_mark " + m + ": " + std::strerror(errno) +
                   (errno == EINVAL ? " (FAN_MARK_FILESYSTEM and FAN_OPEN_EXEC need Linux >= 5.1)" : "");
  }
  if (marked == 0) {
    close(fd);
    return Status::Unavailable("fanotify tracer: " + last_error);
  }
  spdlog::info("fanotify tracer: watching opens on {} filesystem(s)", marked);
  std::unique_ptr<FanotifyTracer> t(new FanotifyTracer(fd, options));
  FanotifyTracer* raw = t.get();
  t->runner_ = std::jthread([raw](std::stop_token st) { raw->Run(st); });
  return t;
}

FanotifyTracer::FanotifyTracer(int fd, const FanotifyTracerOptions& options)
    : fd_(fd), options_(options), wall_offset_ms_(WallMinusMonotonicMs()) {}

FanotifyTracer::~FanotifyTracer() {
  if (runner_.joinable()) {
    runner_.request_stop();
    runner_.join();
  }
  close(fd_);
}

void FanotifyTracer::SetExecCallback(std::function<void(const ExecNotice&)> callback) {
  std::lock_guard lock(callback_mu_);
  on_exec_ = std::move(callback);
}

void FanotifyTracer::DrainTraces(std::vector<StartupTrace>& out) {
  std::lock_guard lock(mu_);
  for (auto& t : traces_) out.push_back(std::move(t));
  traces_.clear();
}

TraceSourceStats FanotifyTracer::Stats() const {
  std::lock_guard lock(mu_);
  return stats_;
}

void FanotifyTracer::Run(std::stop_token stop) {
  alignas(fanotify_event_metadata) char buf[64 * 1024];
  const int32_t self = getpid();
  while (!stop.stop_requested()) {
    pollfd p{fd_, POLLIN, 0};
    poll(&p, 1, 50);
    for (;;) {
      ssize_t n = read(fd_, buf, sizeof buf);
      if (n <= 0) break;
      const uint64_t now = MonotonicNs();
      auto* m = reinterpret_cast<fanotify_event_metadata*>(buf);
      for (; FAN_EVENT_OK(m, n); m = FAN_EVENT_NEXT(m, n)) {
        {
          std::lock_guard lock(mu_);
          stats_.records++;
          if (m->mask & FAN_Q_OVERFLOW) stats_.lost++;
        }
        if (m->fd < 0) continue;
        if (m->pid != self) OnEvent(m->mask, m->pid, m->fd, now);
        close(m->fd);
      }
    }
    Expire(MonotonicNs());
  }
}

void FanotifyTracer::OnEvent(uint64_t mask, int32_t pid, int fd, uint64_t now_ns) {
  struct stat st{};
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) return;
  std::string path = FdPath(fd);
  if (path.empty()) return;
  auto it = launches_.find(pid);
  bool interpreter = it != launches_.end() && !it->second.announced && now_ns - it->second.exec_ns < kInterpreterNs;
  if ((mask & FAN_OPEN_EXEC) && !interpreter) {
    if (it != launches_.end()) launches_.erase(it);  // the same process exec'd again
    if (launches_.size() >= options_.max_launches) {
      std::lock_guard lock(mu_);
      stats_.launches_untraced++;
      return;
    }
    Launch& l = launches_[pid];
    l.notice.pid = pid;
    l.notice.exe = path;
    l.notice.ts = static_cast<TimeMs>(now_ns / kNsPerMs) + wall_offset_ms_;
    l.exec_ns = now_ns;
    it = launches_.find(pid);
  } else if (it == launches_.end()) {
    return;
  } else if (!(mask & FAN_OPEN_EXEC) && !it->second.announced) {
    Announce(it->second);  // the new image is running: its argv is final
  }
  Launch& l = it->second;
  auto [idx, inserted] = l.index.try_emplace({st.st_dev, st.st_ino}, l.files.size());
  if (!inserted || l.files.size() >= options_.max_files) return;
  FileTouch f;
  f.path = path;
  f.dev = st.st_dev;
  f.ino = st.st_ino;
  f.first_ms = static_cast<TimeMs>((now_ns - l.exec_ns) / kNsPerMs);
  l.files.push_back(std::move(f));
}

void FanotifyTracer::Announce(Launch& l) {
  l.announced = true;
  DiskHostEnv env;
  const std::string proc = "/proc/" + std::to_string(l.notice.pid);
  if (auto cmdline = env.ReadFile(proc + "/cmdline"); cmdline.ok()) {
    size_t start = 0;
    for (size_t i = 0; i <= cmdline->size(); ++i)
      if (i == cmdline->size() || (*cmdline)[i] == '\0') {
        if (i > start) l.notice.argv.push_back(cmdline->substr(start, i - start));
        start = i + 1;
      }
  }
  if (auto stat = env.ReadFile(proc + "/stat"); stat.ok()) {
    size_t paren = stat->rfind(')');
    int ppid = 0;
    if (paren != std::string::npos && sscanf(stat->c_str() + paren + 1, " %*c %d", &ppid) == 1) l.notice.ppid = ppid;
  }
  if (launches_.count(l.notice.ppid)) l.notice.parent_launch = l.notice.ppid;
  std::lock_guard lock(callback_mu_);
  if (on_exec_) on_exec_(l.notice);
}

void FanotifyTracer::Expire(uint64_t now_ns) {
  std::vector<StartupTrace> done;
  for (auto it = launches_.begin(); it != launches_.end();) {
    Launch& l = it->second;
    if (now_ns < l.exec_ns + static_cast<uint64_t>(options_.window_ms) * kNsPerMs) {
      ++it;
      continue;
    }
    StartupTrace t;
    t.exec = l.notice;
    t.window_ms = options_.window_ms;
    for (FileTouch& f : l.files) {
      f.pages = ResidentPages(f.path, options_.max_file_pages);
      if (!f.pages.empty()) t.files.push_back(std::move(f));
    }
    for (const auto& [pid, other] : launches_)
      if (other.notice.parent_launch == l.notice.pid && other.exec_ns >= l.exec_ns) t.children.push_back(other.notice);
    done.push_back(std::move(t));
    it = launches_.erase(it);
  }
  std::lock_guard lock(mu_);
  for (auto& t : done) {
    stats_.traces++;
    if (traces_.size() >= options_.max_pending_traces) stats_.traces_dropped++;
    else traces_.push_back(std::move(t));
  }
}

}  // namespace hostmind
