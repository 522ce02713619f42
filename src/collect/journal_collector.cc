#include "collect/journal_collector.h"

#include <systemd/sd-journal.h>

#include <cstring>

#include "collect/parse.h"
#include "core/metric_catalog.h"

namespace hostmind {

namespace {

constexpr size_t kMaxEntriesPerRun = 4096;
constexpr const char* kFields[] = {"MESSAGE", "PRIORITY", "_SYSTEMD_UNIT", "SYSLOG_IDENTIFIER", "_COMM", "_PID"};

// Follows the local journal from a cursor (or from its tail on first start).
class JournalStream final : public RecordStream {
 public:
  explicit JournalStream(std::string cursor) : cursor_(std::move(cursor)) {}
  ~JournalStream() override {
    if (journal_) sd_journal_close(journal_);
  }

  Result<std::vector<std::string>> Drain(size_t max_records) override {
    if (!journal_) HM_RETURN_IF_ERROR(Open());
    std::vector<std::string> out;
    while (out.size() < max_records) {
      int r = sd_journal_next(journal_);
      if (r < 0) return Status::FromErrno(-r, "sd_journal_next");
      if (r == 0) break;
      JournalFields fields;
      for (const char* field : kFields) {
        const void* data = nullptr;
        size_t len = 0;
        if (sd_journal_get_data(journal_, field, &data, &len) < 0) continue;
        std::string_view kv(static_cast<const char*>(data), len);
        fields.emplace_back(field, std::string(kv.substr(std::strlen(field) + 1)));
      }
      uint64_t usec = 0;
      if (sd_journal_get_realtime_usec(journal_, &usec) >= 0) fields.emplace_back("__REALTIME_TIMESTAMP", std::to_string(usec));
      char* cursor = nullptr;
      if (sd_journal_get_cursor(journal_, &cursor) >= 0) {
        fields.emplace_back("__CURSOR", cursor);
        free(cursor);
      }
      out.push_back(EncodeJournalEntry(fields));
    }
    return out;
  }

 private:
  Status Open() {
    int r = sd_journal_open(&journal_, SD_JOURNAL_LOCAL_ONLY);
    if (r < 0) {
      journal_ = nullptr;
      return Status::FromErrno(-r, "sd_journal_open");
    }
    if (!cursor_.empty() && sd_journal_seek_cursor(journal_, cursor_.c_str()) >= 0) {
      // seek_cursor lands on the entry itself: step onto it, then past it if it matches.
      if (sd_journal_next(journal_) > 0 && sd_journal_test_cursor(journal_, cursor_.c_str()) <= 0)
        sd_journal_previous(journal_);
      return Status::Ok();
    }
    // First start: follow from now on rather than replaying the whole history as new.
    sd_journal_seek_tail(journal_);
    sd_journal_previous(journal_);
    return Status::Ok();
  }

  std::string cursor_;
  sd_journal* journal_ = nullptr;
};

// journald keeps one directory per machine id, holding *.journal files.
bool HasJournalFiles(HostEnv& env) {
  for (const char* root : {"/run/log/journal", "/var/log/journal"}) {
    auto machines = env.ListDir(root);
    if (!machines.ok()) continue;
    for (const auto& m : *machines) {
      auto files = env.ListDir(std::string(root) + "/" + m);
      if (!files.ok()) continue;
      for (const auto& f : *files)
        if (f.find(".journal") != std::string::npos) return true;
    }
  }
  return false;
}

}  // namespace

std::string EncodeJournalEntry(const JournalFields& fields) {
  // "<KEY> <length>\n<value>" per field: values may hold newlines or any byte.
  std::string out;
  for (const auto& [k, v] : fields) out += k + ' ' + std::to_string(v.size()) + '\n' + v;
  return out;
}

Result<JournalFields> DecodeJournalEntry(std::string_view raw) {
  JournalFields fields;
  size_t pos = 0;
  while (pos < raw.size()) {
    size_t nl = raw.find('\n', pos);
    if (nl == std::string_view::npos) return Status::Corrupt("journal entry: truncated header");
    auto head = SplitFields(raw.substr(pos, nl - pos));
    auto len = head.size() == 2 ? ParseU64(head[1]) : std::nullopt;
    if (!len || nl + 1 + *len > raw.size()) return Status::Corrupt("journal entry: bad field header");
    fields.emplace_back(std::string(head[0]), std::string(raw.substr(nl + 1, *len)));
    pos = nl + 1 + *len;
  }
  return fields;
}

Result<Event> JournalEntryToEvent(const JournalFields& fields) {
  LogRecord log;
  log.source = LogSource::kJournal;
  TimeMs ts = 0;
  bool has_message = false;
  std::string unit, ident, comm;
  for (const auto& [k, v] : fields) {
    if (k == "MESSAGE") log.message = v, has_message = true;
    else if (k == "PRIORITY") log.priority = static_cast<int>(ParseU64(v).value_or(6) & 7);
    else if (k == "_SYSTEMD_UNIT") unit = v;
    else if (k == "SYSLOG_IDENTIFIER") ident = v;
    else if (k == "_COMM") comm = v;
    else if (k == "_PID") log.pid = static_cast<int32_t>(ParseU64(v).value_or(0));
    else if (k == "__REALTIME_TIMESTAMP") ts = static_cast<TimeMs>(ParseU64(v).value_or(0) / 1000);
  }
  if (!has_message) return Status::Corrupt("journal entry without MESSAGE");
  log.origin = !unit.empty() ? unit : !ident.empty() ? ident : comm;
  return Event{ts, std::move(log)};
}

JournalCollector::JournalCollector() {
  DescribeMetric("hostmind_journal_entries_total", "Journal entries read.");
}

JournalCollector::~JournalCollector() = default;

void JournalCollector::Restore(const std::string& key, const std::string& value) {
  if (key == "journal.cursor") cursor_ = value;
}

Status JournalCollector::Collect(CollectContext& ctx) {
  // libsystemd opens an empty journal without complaint: look for journal files first,
  // through the HostEnv, so the message is clear and tests can ask the same question.
  if (!HasJournalFiles(ctx.env()))
    return Status::Unavailable("no systemd journal on this host (no *.journal files under /run/log/journal or "
                               "/var/log/journal); logs come from /dev/kmsg and the configured files");
  if (!stream_) stream_ = std::make_unique<JournalStream>(cursor_);
  auto entries = ctx.env().DrainStream(*stream_, "journal", kMaxEntriesPerRun);
  if (!entries.ok()) return entries.status();
  for (const auto& raw : *entries) {
    auto fields = DecodeJournalEntry(raw);
    if (!fields.ok()) {
      ctx.CountError(fields.status());
      continue;
    }
    for (const auto& [k, v] : *fields)
      if (k == "__CURSOR") cursor_ = v;
    auto event = JournalEntryToEvent(*fields);
    if (!event.ok()) {
      ctx.CountError(event.status());
      continue;
    }
    if (event->ts == 0) event->ts = ctx.now();
    ctx.out().events.push_back(std::move(*event));
    ++entries_total_;
  }
  ctx.out().Counter(SeriesKey("hostmind_journal_entries_total"), static_cast<double>(entries_total_));
  if (!entries->empty() && !cursor_.empty()) ctx.out().state.emplace_back("journal.cursor", cursor_);
  return Status::Ok();
}

}  // namespace hostmind
