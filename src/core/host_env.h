#pragma once
// HostEnv: the one seam through which collectors read the host (/proc, /sys, statvfs, log
// files). DiskHostEnv reads the real filesystem under a root ("/" live, a fixture tree in
// tests); MemoryHostEnv serves tests from a map; recording.h records and replays the calls.
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace hostmind {

struct FsStats {
  uint64_t total_bytes = 0;
  uint64_t free_bytes = 0;    // free to root
  uint64_t avail_bytes = 0;   // free to unprivileged users
  uint64_t total_inodes = 0;
  uint64_t free_inodes = 0;
};

struct FileInfo {
  uint64_t inode = 0;
  uint64_t size = 0;
};

// A source of raw records that are not files (/dev/kmsg, the journal): each Drain returns the
// records that arrived since the last one, without blocking.
class RecordStream {
 public:
  virtual ~RecordStream() = default;
  virtual Result<std::vector<std::string>> Drain(size_t max_records) = 0;
};

class HostEnv {
 public:
  static constexpr size_t kMaxFileBytes = 4 << 20;
  virtual ~HostEnv() = default;
  // Whole file, at most `max_bytes` (a file larger than that is reported Corrupt).
  Result<std::string> ReadFile(const std::string& path) { return ReadFileUpTo(path, kMaxFileBytes); }
  virtual Result<std::string> ReadFileUpTo(const std::string& path, size_t max_bytes) = 0;
  // Entry names, without "." and "..", in no particular order.
  virtual Result<std::vector<std::string>> ListDir(const std::string& path) = 0;
  virtual Result<std::string> ReadLink(const std::string& path) = 0;
  virtual Result<FsStats> StatFs(const std::string& path) = 0;
  virtual Result<FileInfo> StatFile(const std::string& path) = 0;
  // Up to `max_bytes` starting at `offset` (fewer at end of file).
  virtual Result<std::string> ReadRange(const std::string& path, uint64_t offset, size_t max_bytes) = 0;
  // Drains `stream` (named `name` in recordings). Streams go through the HostEnv so that
  // recordings capture their raw records and replays serve them back.
  virtual Result<std::vector<std::string>> DrainStream(RecordStream& stream, const std::string& name,
                                                       size_t max_records) {
    (void)name;
    return stream.Drain(max_records);
  }
};

// The real filesystem, with every absolute path resolved under `root`.
class DiskHostEnv final : public HostEnv {
 public:
  explicit DiskHostEnv(std::string root = "/");
  Result<std::string> ReadFileUpTo(const std::string& path, size_t max_bytes) override;
  Result<std::vector<std::string>> ListDir(const std::string& path) override;
  Result<std::string> ReadLink(const std::string& path) override;
  Result<FsStats> StatFs(const std::string& path) override;
  Result<FileInfo> StatFile(const std::string& path) override;
  Result<std::string> ReadRange(const std::string& path, uint64_t offset, size_t max_bytes) override;
  const std::string& root() const { return root_; }

 private:
  std::string Resolve(const std::string& path) const;
  std::string root_;  // without a trailing slash; "" for "/"
};

// An in-memory host for tests: files, symlinks, statvfs results and injected errors.
// Directories exist implicitly for every parent of a file or link.
class MemoryHostEnv final : public HostEnv {
 public:
  void SetFile(const std::string& path, std::string content) { files_[path] = std::move(content); }
  void RemoveFile(const std::string& path) { files_.erase(path); }
  void SetLink(const std::string& path, std::string target) { links_[path] = std::move(target); }
  void SetFsStats(const std::string& path, FsStats stats) { fs_[path] = stats; }
  void SetInode(const std::string& path, uint64_t inode) { inodes_[path] = inode; }
  // Every call on `path` fails with `status`.
  void SetError(const std::string& path, Status status) { errors_[path] = std::move(status); }
  // Queues records for the next DrainStream of stream `name` (the real stream is not used).
  void QueueStreamRecords(const std::string& name, std::vector<std::string> records);

  Result<std::string> ReadFileUpTo(const std::string& path, size_t max_bytes) override;
  Result<std::vector<std::string>> ListDir(const std::string& path) override;
  Result<std::string> ReadLink(const std::string& path) override;
  Result<FsStats> StatFs(const std::string& path) override;
  Result<FileInfo> StatFile(const std::string& path) override;
  Result<std::string> ReadRange(const std::string& path, uint64_t offset, size_t max_bytes) override;
  Result<std::vector<std::string>> DrainStream(RecordStream& stream, const std::string& name,
                                               size_t max_records) override;

 private:
  const Status* ErrorFor(const std::string& path) const;
  std::map<std::string, std::vector<std::string>> streams_;
  std::map<std::string, std::string> files_;
  std::map<std::string, std::string> links_;
  std::map<std::string, FsStats> fs_;
  std::map<std::string, uint64_t> inodes_;
  std::map<std::string, Status> errors_;
};

}  // namespace hostmind
