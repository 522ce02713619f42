#pragma once
// The systemd journal through libsystemd, in follow mode. The cursor of the last entry read is
// committed with the events (Batch::state), so a restart neither loses nor repeats entries.
// Where there is no journal (no systemd), the collector says so and stays down; kmsg and
// files carry on.
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/collector.h"

namespace hostmind {

// A journal entry as it crosses the HostEnv (and recordings): the fields hostmind uses.
using JournalFields = std::vector<std::pair<std::string, std::string>>;
std::string EncodeJournalEntry(const JournalFields& fields);
Result<JournalFields> DecodeJournalEntry(std::string_view raw);
// The LogRecord and its timestamp (ms) for a decoded entry; entries without MESSAGE are Corrupt.
Result<Event> JournalEntryToEvent(const JournalFields& fields);

class JournalCollector final : public Collector {
 public:
  JournalCollector();
  ~JournalCollector() override;
  const std::string& name() const override { return name_; }
  Status Collect(CollectContext& ctx) override;
  void Restore(const std::string& key, const std::string& value) override;

 private:
  std::string name_ = "journal";
  std::string cursor_;
  std::unique_ptr<RecordStream> stream_;  // created on first use, with the restored cursor
  uint64_t entries_total_ = 0;
};

}  // namespace hostmind
