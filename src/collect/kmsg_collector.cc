#include "collect/kmsg_collector.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <sstream>

#include "collect/parse.h"
#include "core/metric_catalog.h"

namespace hostmind {

namespace {

constexpr size_t kMaxRecordsPerRun = 4096;  // bounds one run's work; the rest waits for the next

// Reads /dev/kmsg without blocking: one record per read(2).
class KmsgStream final : public RecordStream {
 public:
  explicit KmsgStream(std::string device) : device_(std::move(device)) {}
  ~KmsgStream() override {
    if (fd_ >= 0) ::close(fd_);
  }
  Result<std::vector<std::string>> Drain(size_t max_records) override {
    if (fd_ < 0) {
      fd_ = ::open(device_.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
      if (fd_ < 0) {
        Status s = Status::FromErrno(errno, "open " + device_);
        if (s.code() == StatusCode::kPermissionDenied)
          return Status::PermissionDenied(s.message() + " (reading the kernel log needs root or CAP_SYSLOG)");
        return s;
      }
    }
    std::vector<std::string> records;
    char buf[8192];
    while (records.size() < max_records) {
      ssize_t n = ::read(fd_, buf, sizeof buf);
      if (n > 0) {
        records.emplace_back(buf, static_cast<size_t>(n));
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      // EPIPE: the ring buffer overwrote records we had not read; the next read resumes at
      // the oldest one still there. The gap shows in the sequence numbers.
      if (n < 0 && errno == EPIPE) continue;
      break;  // EAGAIN: drained
    }
    return records;
  }

 private:
  std::string device_;
  int fd_ = -1;
};

}  // namespace

Result<KmsgRecord> ParseKmsgRecord(std::string_view raw) {
  size_t semi = raw.find(';');
  if (semi == std::string_view::npos) return Status::Corrupt("kmsg record without ';'");
  std::string_view prefix = raw.substr(0, semi);
  std::vector<std::string_view> parts;
  for (size_t start = 0; start <= prefix.size();) {
    size_t comma = std::min(prefix.find(',', start), prefix.size());
    parts.push_back(prefix.substr(start, comma - start));
    start = comma + 1;
  }
  if (parts.size() < 3) return Status::Corrupt("kmsg record prefix '" + std::string(prefix.substr(0, 40)) + "'");
  auto prio = ParseU64(parts[0]);
  auto seq = ParseU64(parts[1]);
  auto ts = ParseU64(parts[2]);
  if (!prio || !seq || !ts) return Status::Corrupt("kmsg record prefix '" + std::string(prefix.substr(0, 40)) + "'");
  KmsgRecord r;
  r.priority = static_cast<int>(*prio & 7);
  r.facility = static_cast<int>(*prio >> 3);
  r.seq = *seq;
  r.ts_us = *ts;
  std::string_view msg = raw.substr(semi + 1);
  msg = msg.substr(0, msg.find('\n'));  // continuation lines (" KEY=value") are dropped
  r.message = std::string(msg);  // the kernel already escaped non-printable bytes as \xNN
  return r;
}

KmsgCollector::KmsgCollector(std::string device) : stream_(std::make_unique<KmsgStream>(std::move(device))) {
  DescribeMetric("hostmind_kmsg_records_total", "Kernel log records read from /dev/kmsg.");
}

KmsgCollector::~KmsgCollector() = default;

void KmsgCollector::Restore(const std::string& key, const std::string& value) {
  if (key != "kmsg.position") return;
  std::istringstream in(value);
  uint64_t seq = 0;
  if (in >> restored_boot_id_ >> seq) {
    last_seq_ = seq;
    have_seq_ = true;
  }
}

Status KmsgCollector::Collect(CollectContext& ctx) {
  if (!boot_time_ms_) {
    auto stat = ctx.env().ReadFile("/proc/stat");
    if (!stat.ok()) return stat.status();
    for (auto line : SplitLines(*stat)) {
      auto f = SplitFields(line);
      if (f.size() == 2 && f[0] == "btime")
        if (auto v = ParseU64(f[1])) boot_time_ms_ = static_cast<TimeMs>(*v) * 1000;
    }
    if (!boot_time_ms_) return Status::Corrupt("/proc/stat: no btime");
    boot_id_ = ctx.env().ReadFile("/proc/sys/kernel/random/boot_id").value_or("unknown");
    while (!boot_id_.empty() && boot_id_.back() == '\n') boot_id_.pop_back();
    // A saved position from an earlier boot means nothing now.
    if (have_seq_ && restored_boot_id_ != boot_id_) have_seq_ = false;
  }
  auto records = ctx.env().DrainStream(*stream_, "/dev/kmsg", kMaxRecordsPerRun);
  if (!records.ok()) return records.status();
  uint64_t newest = last_seq_;
  for (const auto& raw : *records) {
    auto r = ParseKmsgRecord(raw);
    if (!r.ok()) {
      ctx.CountError(r.status());
      continue;
    }
    if (have_seq_ && r->seq <= last_seq_) continue;  // already delivered before a restart
    newest = std::max(newest, r->seq);
    ++records_total_;
    LogRecord log;
    log.source = LogSource::kKernel;
    log.origin = "kernel";
    log.priority = r->priority;
    log.message = std::move(r->message);
    ctx.out().events.push_back(Event{*boot_time_ms_ + static_cast<TimeMs>(r->ts_us / 1000), std::move(log)});
  }
  ctx.out().Counter(SeriesKey("hostmind_kmsg_records_total"), static_cast<double>(records_total_));
  if (newest != last_seq_ || !have_seq_) {
    last_seq_ = newest;
    have_seq_ = have_seq_ || !records->empty();
    if (have_seq_) ctx.out().state.emplace_back("kmsg.position", boot_id_ + " " + std::to_string(last_seq_));
  }
  return Status::Ok();
}

}  // namespace hostmind
