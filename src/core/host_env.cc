#include "core/host_env.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cerrno>
#include <functional>
#include <set>

namespace hostmind {

namespace {

// Closes a file descriptor on scope exit.
class FdCloser {
 public:
  explicit FdCloser(int fd) : fd_(fd) {}
  ~FdCloser() {
    if (fd_ >= 0) ::close(fd_);
  }
  FdCloser(const FdCloser&) = delete;
  FdCloser& operator=(const FdCloser&) = delete;

 private:
  int fd_;
};

// Reads from `fd` at `offset` until `max_bytes` or end of file. /proc files must be read in
// one pass from their start: their content is generated per read() call.
Result<std::string> ReadFd(int fd, const std::string& path, uint64_t offset, size_t max_bytes) {
  std::string out;
  char buf[16384];
  while (out.size() < max_bytes) {
    size_t want = std::min(sizeof buf, max_bytes - out.size());
    ssize_t n = ::pread(fd, buf, want, static_cast<off_t>(offset + out.size()));
    if (n < 0) {
      if (errno == EINTR) continue;
      return Status::FromErrno(errno, "read " + path);
    }
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  return out;
}

}  // namespace

DiskHostEnv::DiskHostEnv(std::string root) : root_(std::move(root)) {
  while (!root_.empty() && root_.back() == '/') root_.pop_back();
}

std::string DiskHostEnv::Resolve(const std::string& path) const { return root_ + path; }

Result<std::string> DiskHostEnv::ReadFileUpTo(const std::string& path, size_t max_bytes) {
  int fd = ::open(Resolve(path).c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Status::FromErrno(errno, "open " + path);
  FdCloser closer(fd);
  // Read one byte past the cap to tell "exactly max_bytes" from "too large".
  auto content = ReadFd(fd, path, 0, max_bytes + 1);
  if (content.ok() && content->size() > max_bytes)
    return Status::Corrupt("read " + path + ": larger than " + std::to_string(max_bytes) + " bytes");
  return content;
}

Result<std::string> DiskHostEnv::ReadRange(const std::string& path, uint64_t offset, size_t max_bytes) {
  int fd = ::open(Resolve(path).c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Status::FromErrno(errno, "open " + path);
  FdCloser closer(fd);
  return ReadFd(fd, path, offset, max_bytes);
}

Result<std::vector<std::string>> DiskHostEnv::ListDir(const std::string& path) {
  DIR* dir = ::opendir(Resolve(path).c_str());
  if (!dir) return Status::FromErrno(errno, "opendir " + path);
  std::vector<std::string> names;
  while (dirent* e = ::readdir(dir)) {
    std::string_view name = e->d_name;
    if (name != "." && name != "..") names.emplace_back(name);
  }
  ::closedir(dir);
  return names;
}

Result<std::string> DiskHostEnv::ReadLink(const std::string& path) {
  char buf[4096];
  ssize_t n = ::readlink(Resolve(path).c_str(), buf, sizeof buf);
  if (n < 0) return Status::FromErrno(errno, "readlink " + path);
  return std::string(buf, static_cast<size_t>(n));
}

Result<FsStats> DiskHostEnv::StatFs(const std::string& path) {
  struct statvfs s {};
  if (::statvfs(Resolve(path).c_str(), &s) != 0) return Status::FromErrno(errno, "statvfs " + path);
  FsStats out;
  out.total_bytes = static_cast<uint64_t>(s.f_blocks) * s.f_frsize;
  out.free_bytes = static_cast<uint64_t>(s.f_bfree) * s.f_frsize;
  out.avail_bytes = static_cast<uint64_t>(s.f_bavail) * s.f_frsize;
  out.total_inodes = s.f_files;
  out.free_inodes = s.f_ffree;
  return out;
}

Result<FileInfo> DiskHostEnv::StatFile(const std::string& path) {
  struct stat st {};
  if (::stat(Resolve(path).c_str(), &st) != 0) return Status::FromErrno(errno, "stat " + path);
  return FileInfo{static_cast<uint64_t>(st.st_ino), static_cast<uint64_t>(st.st_size)};
}

const Status* MemoryHostEnv::ErrorFor(const std::string& path) const {
  auto it = errors_.find(path);
  return it == errors_.end() ? nullptr : &it->second;
}

Result<std::string> MemoryHostEnv::ReadFileUpTo(const std::string& path, size_t max_bytes) {
  if (auto* e = ErrorFor(path)) return *e;
  auto it = files_.find(path);
  if (it == files_.end()) return Status::NotFound("open " + path + ": No such file or directory");
  if (it->second.size() > max_bytes)
    return Status::Corrupt("read " + path + ": larger than " + std::to_string(max_bytes) + " bytes");
  return it->second;
}

Result<std::string> MemoryHostEnv::ReadRange(const std::string& path, uint64_t offset, size_t max_bytes) {
  auto content = ReadFileUpTo(path, SIZE_MAX);
  if (!content.ok()) return content.status();
  if (offset >= content->size()) return std::string();
  return content->substr(offset, max_bytes);
}

Result<std::vector<std::string>> MemoryHostEnv::ListDir(const std::string& path) {
  if (auto* e = ErrorFor(path)) return *e;
  std::string prefix = path.back() == '/' ? path : path + "/";
  std::set<std::string> names;
  auto collect = [&](const std::string& p) {
    if (p.compare(0, prefix.size(), prefix) != 0) return;
    std::string rest = p.substr(prefix.size());
    names.insert(rest.substr(0, rest.find('/')));
  };
  for (const auto& [p, _] : files_) collect(p);
  for (const auto& [p, _] : links_) collect(p);
  if (names.empty()) return Status::NotFound("opendir " + path + ": No such file or directory");
  return std::vector<std::string>(names.begin(), names.end());
}

Result<std::string> MemoryHostEnv::ReadLink(const std::string& path) {
  if (auto* e = ErrorFor(path)) return *e;
  auto it = links_.find(path);
  if (it == links_.end()) return Status::NotFound("readlink " + path + ": No such file or directory");
  return it->second;
}

Result<FsStats> MemoryHostEnv::StatFs(const std::string& path) {
  if (auto* e = ErrorFor(path)) return *e;
  auto it = fs_.find(path);
  if (it == fs_.end()) return Status::NotFound("statvfs " + path + ": No such file or directory");
  return it->second;
}

Result<FileInfo> MemoryHostEnv::StatFile(const std::string& path) {
  if (auto* e = ErrorFor(path)) return *e;
  auto it = files_.find(path);
  if (it == files_.end()) return Status::NotFound("stat " + path + ": No such file or directory");
  auto inode = inodes_.find(path);
  uint64_t ino = inode != inodes_.end() ? inode->second : std::hash<std::string>{}(path);
  return FileInfo{ino, it->second.size()};
}

}  // namespace hostmind

namespace hostmind {

void MemoryHostEnv::QueueStreamRecords(const std::string& name, std::vector<std::string> records) {
  auto& q = streams_[name];
  q.insert(q.end(), records.begin(), records.end());
}

Result<std::vector<std::string>> MemoryHostEnv::DrainStream(RecordStream&, const std::string& name, size_t max_records) {
  if (auto* e = ErrorFor(name)) return *e;
  auto& q = streams_[name];
  size_t n = std::min(max_records, q.size());
  std::vector<std::string> out(q.begin(), q.begin() + static_cast<long>(n));
  q.erase(q.begin(), q.begin() + static_cast<long>(n));
  return out;
}

}  // namespace hostmind
