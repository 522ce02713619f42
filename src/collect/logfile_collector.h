#pragma once
// Plain log files followed with `tail -F` semantics: new lines become LogRecord events; a file
// renamed away (logrotate) is finished from its rotated name (path.1) when it is still there,
// then the new file is read from its start; a truncated file (copytruncate) is read again from
// its start; a partial last line waits for its newline. Positions are committed with the
// events, so a restart neither loses nor repeats lines.
#include <map>
#include <string>
#include <vector>

#include "core/collector.h"

namespace hostmind {

class LogFileCollector final : public Collector {
 public:
  LogFileCollector(std::vector<std::string> paths, size_t max_line_bytes);
  const std::string& name() const override { return name_; }
  Status Collect(CollectContext& ctx) override;
  void Restore(const std::string& key, const std::string& value) override;

 private:
  struct Position {
    uint64_t inode = 0;
    uint64_t offset = 0;  // just past the last complete line delivered
    bool known = false;
  };
  void Follow(const std::string& path, Position& pos, CollectContext& ctx);
  // Reads complete lines of `file` from pos.offset and emits them as coming from `origin`;
  // `final_read` emits a trailing partial line too (the file will not grow any more).
  void ReadLines(const std::string& file, const std::string& origin, Position& pos, bool final_read, CollectContext& ctx);

  std::string name_ = "logfiles";
  std::vector<std::string> paths_;
  size_t max_line_bytes_;
  std::map<std::string, Position> positions_;
  bool first_run_ = true;
  uint64_t lines_total_ = 0;
  uint64_t truncated_lines_total_ = 0;
};

}  // namespace hostmind
