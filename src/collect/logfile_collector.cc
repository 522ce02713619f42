#include "collect/logfile_collector.h"

#include <sstream>

#include "core/metric_catalog.h"

namespace hostmind {

namespace {
constexpr size_t kMaxBytesPerRun = 4 << 20;  // per file and run; the rest waits for the next run
const std::string kStatePrefix = "logfiles.";
}  // namespace

LogFileCollector::LogFileCollector(std::vector<std::string> paths, size_t max_line_bytes)
    : paths_(std::move(paths)), max_line_bytes_(max_line_bytes) {
  DescribeMetric("hostmind_logfile_lines_total", "Lines read from the configured log files.");
  DescribeMetric("hostmind_logfile_truncated_lines_total", "Lines longer than collect.logs.max_line_bytes, cut.");
}

void LogFileCollector::Restore(const std::string& key, const std::string& value) {
  if (key.rfind(kStatePrefix, 0) != 0) return;
  Position p;
  std::istringstream in(value);
  if (in >> p.inode >> p.offset) {
    p.known = true;
    positions_[key.substr(kStatePrefix.size())] = p;
  }
}

Status LogFileCollector::Collect(CollectContext& ctx) {
  for (const auto& path : paths_) Follow(path, positions_[path], ctx);
  first_run_ = false;
  ctx.out().Counter(SeriesKey("hostmind_logfile_lines_total"), static_cast<double>(lines_total_));
  ctx.out().Counter(SeriesKey("hostmind_logfile_truncated_lines_total"), static_cast<double>(truncated_lines_total_));
  return Status::Ok();
}

void LogFileCollector::Follow(const std::string& path, Position& pos, CollectContext& ctx) {
  auto info = ctx.env().StatFile(path);
  if (!info.ok()) {
    // Missing is normal between a rotation and the new file's creation; say other errors.
    if (info.status().code() != StatusCode::kNotFound) ctx.CountError(info.status());
    return;
  }
  uint64_t before = pos.offset;
  if (!pos.known) {
    // Files present at start are followed from their end, like tail -F; files that appear
    // later are read from their start.
    pos = Position{info->inode, first_run_ ? info->size : 0, true};
  } else if (info->inode != pos.inode) {
    // Rotated: finish the old file if logrotate left it as path.1, then start the new one.
    auto rotated = ctx.env().StatFile(path + ".1");
    if (rotated.ok() && rotated->inode == pos.inode) ReadLines(path + ".1", path, pos, true, ctx);
    pos = Position{info->inode, 0, true};
  } else if (info->size < pos.offset) {
    pos.offset = 0;  // truncated in place (copytruncate)
  }
  ReadLines(path, path, pos, false, ctx);
  if (pos.offset != before || !pos.known)
    ctx.out().state.emplace_back(kStatePrefix + path, std::to_string(pos.inode) + " " + std::to_string(pos.offset));
}

void LogFileCollector::ReadLines(const std::string& file, const std::string& origin, Position& pos, bool final_read,
                                 CollectContext& ctx) {
  auto data = ctx.env().ReadRange(file, pos.offset, kMaxBytesPerRun);
  if (!data.ok()) {
    if (data.status().code() != StatusCode::kNotFound) ctx.CountError(data.status());
    return;
  }
  size_t start = 0;
  const std::string& d = *data;
  while (start < d.size()) {
    size_t nl = d.find('\n', start);
    bool complete = nl != std::string::npos;
    if (!complete) {
      // A partial line waits for its newline, unless it alone fills the read window (a line
      // longer than that is cut) or the file is final.
      if (!final_read && !(start == 0 && d.size() == kMaxBytesPerRun)) break;
      nl = d.size();
    }
    std::string line = d.substr(start, nl - start);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.size() > max_line_bytes_) {
      line.resize(max_line_bytes_);
      ++truncated_lines_total_;
    }
    LogRecord log;
    log.source = LogSource::kFile;
    log.origin = origin;
    log.message = std::move(line);
    ctx.out().events.push_back(Event{ctx.now(), std::move(log)});
    ++lines_total_;
    start = complete ? nl + 1 : nl;
  }
  pos.offset += start;
}

}  // namespace hostmind
