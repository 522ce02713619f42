#include "act/host_writer.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

namespace hostmind {

DiskHostWriter::DiskHostWriter(std::string root) : root_(std::move(root)) {
  while (!root_.empty() && root_.back() == '/') root_.pop_back();
}

Status DiskHostWriter::WriteFile(const std::string& path, const std::string& value) {
  std::string full = root_ + path;
  int fd = open(full.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) return Status::FromErrno(errno, "open " + full);
  // A cgroup file takes the whole value in one write(2); a short write is an error.
  ssize_t n = write(fd, value.data(), value.size());
  int err = errno;
  close(fd);
  if (n < 0) return Status::FromErrno(err, "write '" + value + "' to " + full);
  if (static_cast<size_t>(n) != value.size()) return Status::IoError("short write to " + full);
  return Status::Ok();
}

Status DiskHostWriter::MakeDir(const std::string& path) {
  std::string full = root_ + path;
  if (mkdir(full.c_str(), 0755) != 0 && errno != EEXIST) return Status::FromErrno(errno, "mkdir " + full);
  return Status::Ok();
}

Status DiskHostWriter::RemoveDir(const std::string& path) {
  std::string full = root_ + path;
  if (rmdir(full.c_str()) != 0 && errno != ENOENT) return Status::FromErrno(errno, "rmdir " + full);
  return Status::Ok();
}

Status DiskHostWriter::Kill(int pid, int signal) {
  if (pid <= 1) return Status::InvalidArgument("refusing to signal pid " + std::to_string(pid));
  if (kill(pid, signal) != 0) return Status::FromErrno(errno, "kill " + std::to_string(pid));
  return Status::Ok();
}

Status MemoryHostWriter::WriteFile(const std::string& path, const std::string& value) {
  calls_.push_back(path + "=" + value);
  if (path == fail_path_) {
    fail_path_.clear();
    return fail_status_;
  }
  env_.SetFile(path, value);
  return Status::Ok();
}

Status MemoryHostWriter::MakeDir(const std::string& path) {
  calls_.push_back("mkdir " + path);
  return Status::Ok();
}

Status MemoryHostWriter::RemoveDir(const std::string& path) {
  calls_.push_back("rmdir " + path);
  return Status::Ok();
}

Status MemoryHostWriter::Kill(int pid, int signal) {
  calls_.push_back("kill " + std::to_string(pid) + " " + std::to_string(signal));
  return Status::Ok();
}

}  // namespace hostmind
