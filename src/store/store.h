#pragma once
// Store: hostmind's durable state in one SQLite database (WAL) under the state dir: series
// rollups, events, findings, collector positions, model blobs. A process killed at any point
// (kill -9) loses nothing that was committed, and the next open is clean: SQLite's WAL
// guarantees both. All methods are thread-safe (one connection behind a mutex).
#include <sqlite3.h>

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/event.h"
#include "core/finding.h"
#include "core/status.h"

namespace hostmind {

struct Rollup {
  std::string series_id;
  TimeMs ts = 0;  // start of the bucket
  double min = 0, max = 0, sum = 0, last = 0;
  uint64_t count = 0;
};

struct StoredEvent {
  int64_t id = 0;
  TimeMs ts = 0;
  std::string type;
  std::string json;
};

struct EventQuery {
  TimeMs since = 0;
  std::string type;  // "" = any
  size_t limit = 100;
};

struct FindingQuery {
  TimeMs since = 0;
  int min_severity = 0;
  std::string kind;  // "" = any
  size_t limit = 100;
};

class Store {
 public:
  // Opens (creating if needed) `path`; ":memory:" for tests.
  static Result<std::unique_ptr<Store>> Open(const std::string& path);
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  // One transaction: events, findings (their ids are assigned here), durable collector state
  // and rollups all commit together or not at all.
  struct Write {
    std::vector<const Event*> events;
    std::vector<Finding*> findings;
    std::vector<std::pair<std::string, std::string>> state;
    std::vector<Rollup> rollups;
  };
  Status Commit(Write& write);

  std::map<std::string, std::string> LoadState() const;
  Status PutModel(const std::string& name, const std::string& blob, TimeMs now);
  std::optional<std::string> GetModel(const std::string& name) const;

  Result<std::vector<StoredEvent>> QueryEvents(const EventQuery& q) const;
  Result<std::vector<Finding>> QueryFindings(const FindingQuery& q) const;
  Result<std::optional<Finding>> GetFinding(uint64_t id) const;
  Result<std::vector<Rollup>> QueryRollups(const std::string& series_id, TimeMs since) const;
  // Deletes rollups, events and findings older than `before`; returns rows deleted.
  Result<int64_t> DeleteOlderThan(TimeMs before);
  // Runs `sql` (schema changes of later modules: CREATE TABLE IF NOT EXISTS ...).
  Status Exec(const std::string& sql);
  sqlite3* handle() { return db_; }  // for modules with their own tables; hold mutex()
  std::mutex& mutex() const { return mu_; }

 private:
  explicit Store(sqlite3* db) : db_(db) {}
  Status Migrate();
  Status ExecLocked(const std::string& sql);
  int64_t SeriesRowId(const std::string& series_id);

  sqlite3* db_;
  mutable std::mutex mu_;
  std::map<std::string, int64_t> series_ids_;  // cache of series.key -> series.id
};

}  // namespace hostmind
