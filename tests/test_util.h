#pragma once
// Helpers shared by the tests: temporary directories and small file utilities.
#include <string>

namespace hostmind::testing {

// A fresh directory under $TMPDIR, removed with its contents on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  // Writes `content` to path()/rel, creating parent directories.
  std::string Write(const std::string& rel, const std::string& content) const;

 private:
  std::string path_;
};

std::string ReadWholeFile(const std::string& path);

// Runs a shell command, returns its exit status and (optionally) its stdout.
int RunCommand(const std::string& cmd, std::string* out = nullptr);

}  // namespace hostmind::testing
