#pragma once
// The kernel log from /dev/kmsg: OOM kills, I/O and filesystem errors, segfaults, hung tasks.
// Each record becomes a LogRecord event. The last sequence number read is kept durable (with
// the boot id, since sequence numbers restart at boot) so a restart does not repeat records.
#include <memory>
#include <optional>
#include <string>

#include "core/collector.h"

namespace hostmind {

struct KmsgRecord {
  int priority = 6;  // syslog level 0..7
  int facility = 0;
  uint64_t seq = 0;
  uint64_t ts_us = 0;  // since boot
  std::string message;
};

// Parses "prio,seq,ts_us,flags[,...];message\n[ KEY=value\n...]".
Result<KmsgRecord> ParseKmsgRecord(std::string_view raw);

class KmsgCollector final : public Collector {
 public:
  // `device` is the path opened for real reads (/dev/kmsg); recordings store its records.
  explicit KmsgCollector(std::string device = "/dev/kmsg");
  ~KmsgCollector() override;
  const std::string& name() const override { return name_; }
  Status Collect(CollectContext& ctx) override;
  void Restore(const std::string& key, const std::string& value) override;

 private:
  std::string name_ = "kmsg";
  std::unique_ptr<RecordStream> stream_;
  std::string boot_id_;
  std::optional<TimeMs> boot_time_ms_;
  std::string restored_boot_id_;
  uint64_t last_seq_ = 0;
  bool have_seq_ = false;
  uint64_t records_total_ = 0;
};

}  // namespace hostmind
