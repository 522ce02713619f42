#include "store/store.h"

#include "store/json_codec.h"
#include "store/sql_statement.h"

namespace hostmind {

namespace {

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS series(id INTEGER PRIMARY KEY, key TEXT UNIQUE NOT NULL);
CREATE TABLE IF NOT EXISTS rollups(series_id INTEGER NOT NULL, ts INTEGER NOT NULL, min REAL, max REAL,
  sum REAL, count INTEGER, last REAL, PRIMARY KEY(series_id, ts)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS rollups_ts ON rollups(ts);
CREATE TABLE IF NOT EXISTS events(id INTEGER PRIMARY KEY, ts INTEGER NOT NULL, type TEXT NOT NULL, body TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS events_ts ON events(ts);
CREATE TABLE IF NOT EXISTS findings(id INTEGER PRIMARY KEY, ts INTEGER NOT NULL, kind TEXT NOT NULL,
  severity INTEGER NOT NULL, subject TEXT NOT NULL, summary TEXT NOT NULL, body TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS findings_ts ON findings(ts);
CREATE TABLE IF NOT EXISTS state(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS models(name TEXT PRIMARY KEY, blob BLOB NOT NULL, updated INTEGER NOT NULL);
)sql";

}  // namespace

Result<std::unique_ptr<Store>> Store::Open(const std::string& path) {
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    std::string msg = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    sqlite3_close(db);
    return Status::IoError("open database " + path + ": " + msg);
  }
  sqlite3_busy_timeout(db, 5000);
  std::unique_ptr<Store> store(new Store(db));
  HM_RETURN_IF_ERROR(store->Migrate());
  return store;
}

Store::~Store() { sqlite3_close(db_); }

Status Store::ExecLocked(const std::string& sql) {
  char* err = nullptr;
  if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
    std::string msg = err ? err : "unknown error";
    sqlite3_free(err);
    return Status::IoError("sqlite: " + msg);
  }
  return Status::Ok();
}

Status Store::Exec(const std::string& sql) {
  std::lock_guard lock(mu_);
  return ExecLocked(sql);
}

Status Store::Migrate() {
  std::lock_guard lock(mu_);
  // WAL: readers never block the writer, and a crash leaves committed transactions intact.
  // synchronous=NORMAL keeps commits durable across a process crash (not a power loss) without
  // an fsync per commit.
  HM_RETURN_IF_ERROR(ExecLocked("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"));
  return ExecLocked(kSchema);
}

int64_t Store::SeriesRowId(const std::string& series_id) {
  auto it = series_ids_.find(series_id);
  if (it != series_ids_.end()) return it->second;
  SqlStatement ins(db_, "INSERT OR IGNORE INTO series(key) VALUES(?)");
  ins.Bind(1, series_id).Step();
  SqlStatement sel(db_, "SELECT id FROM series WHERE key = ?");
  sel.Bind(1, series_id);
  int64_t id = sel.Step() == SQLITE_ROW ? sel.Int(0) : -1;
  if (id >= 0) series_ids_[series_id] = id;
  return id;
}

Status Store::Commit(Write& w) {
  std::lock_guard lock(mu_);
  HM_RETURN_IF_ERROR(ExecLocked("BEGIN IMMEDIATE"));
  auto fail = [&](Status s) {
    ExecLocked("ROLLBACK").ok();
    return s;
  };
  if (!w.events.empty()) {
    SqlStatement st(db_, "INSERT INTO events(ts, type, body) VALUES(?, ?, ?)");
    if (!st.ok()) return fail(st.error("prepare events"));
    for (const Event* e : w.events) {
      st.Bind(1, e->ts).Bind(2, std::string(EventTypeName(e->body))).Bind(3, JsonText(EventToJson(*e)));
      if (st.Step() != SQLITE_DONE) return fail(st.error("insert event"));
      st.Reset();
    }
  }
  if (!w.findings.empty()) {
    SqlStatement st(db_, "INSERT INTO findings(ts, kind, severity, subject, summary, body) VALUES(?, ?, ?, ?, ?, '')");
    SqlStatement body(db_, "UPDATE findings SET body = ? WHERE id = ?");
    if (!st.ok() || !body.ok()) return fail(st.error("prepare findings"));
    for (Finding* f : w.findings) {
      st.Bind(1, f->ts).Bind(2, std::string(FindingKindName(f->kind))).Bind(3, static_cast<int64_t>(f->severity));
      st.Bind(4, f->subject).Bind(5, f->summary);
      if (st.Step() != SQLITE_DONE) return fail(st.error("insert finding"));
      st.Reset();
      f->id = static_cast<uint64_t>(sqlite3_last_insert_rowid(db_));
      body.Bind(1, JsonText(FindingToJson(*f))).Bind(2, static_cast<int64_t>(f->id));
      if (body.Step() != SQLITE_DONE) return fail(body.error("insert finding body"));
      body.Reset();
    }
  }
  if (!w.state.empty()) {
    SqlStatement st(db_, "INSERT INTO state(key, value) VALUES(?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value");
    for (const auto& [k, v] : w.state) {
      st.Bind(1, k).Bind(2, v);
      if (st.Step() != SQLITE_DONE) return fail(st.error("save state"));
      st.Reset();
    }
  }
  if (!w.rollups.empty()) {
    SqlStatement st(db_, "INSERT OR REPLACE INTO rollups(series_id, ts, min, max, sum, count, last) VALUES(?, ?, ?, ?, ?, ?, ?)");
    for (const auto& r : w.rollups) {
      int64_t sid = SeriesRowId(r.series_id);
      if (sid < 0) return fail(Status::IoError("series id for " + r.series_id));
      st.Bind(1, sid).Bind(2, r.ts).Bind(3, r.min).Bind(4, r.max).Bind(5, r.sum);
      st.Bind(6, static_cast<int64_t>(r.count)).Bind(7, r.last);
      if (st.Step() != SQLITE_DONE) return fail(st.error("insert rollup"));
      st.Reset();
    }
  }
  Status s = ExecLocked("COMMIT");
  if (!s.ok()) {
    for (Finding* f : w.findings) f->id = 0;
    return fail(s);
  }
  return Status::Ok();
}

std::map<std::string, std::string> Store::LoadState() const {
  std::lock_guard lock(mu_);
  std::map<std::string, std::string> out;
  SqlStatement st(db_, "SELECT key, value FROM state");
  while (st.Step() == SQLITE_ROW) out[st.Text(0)] = st.Text(1);
  return out;
}

Status Store::PutModel(const std::string& name, const std::string& blob, TimeMs now) {
  std::lock_guard lock(mu_);
  SqlStatement st(db_, "INSERT OR REPLACE INTO models(name, blob, updated) VALUES(?, ?, ?)");
  st.Bind(1, name).BindBlob(2, blob).Bind(3, now);
  if (st.Step() != SQLITE_DONE) return st.error(("save model " + name).c_str());
  return Status::Ok();
}

std::optional<std::string> Store::GetModel(const std::string& name) const {
  std::lock_guard lock(mu_);
  SqlStatement st(db_, "SELECT blob FROM models WHERE name = ?");
  st.Bind(1, name);
  if (st.Step() != SQLITE_ROW) return std::nullopt;
  return st.Text(0);
}

Result<std::vector<StoredEvent>> Store::QueryEvents(const EventQuery& q) const {
  std::lock_guard lock(mu_);
  SqlStatement st(db_, "SELECT id, ts, type, body FROM events WHERE ts >= ? AND (? = '' OR type = ?) ORDER BY id DESC LIMIT ?");
  if (!st.ok()) return st.error("query events");
  st.Bind(1, q.since).Bind(2, q.type).Bind(3, q.type).Bind(4, static_cast<int64_t>(q.limit));
  std::vector<StoredEvent> out;
  while (st.Step() == SQLITE_ROW) out.push_back({st.Int(0), st.Int(1), st.Text(2), st.Text(3)});
  return out;
}

Result<std::vector<Finding>> Store::QueryFindings(const FindingQuery& q) const {
  std::lock_guard lock(mu_);
  SqlStatement st(db_,
               "SELECT body FROM findings WHERE ts >= ? AND severity >= ? AND (? = '' OR kind = ?) ORDER BY id DESC LIMIT ?");
  if (!st.ok()) return st.error("query findings");
  st.Bind(1, q.since).Bind(2, static_cast<int64_t>(q.min_severity)).Bind(3, q.kind).Bind(4, q.kind);
  st.Bind(5, static_cast<int64_t>(q.limit));
  std::vector<Finding> out;
  while (st.Step() == SQLITE_ROW) {
    auto f = FindingFromJson(nlohmann::json::parse(st.Text(0), nullptr, false));
    if (f.ok()) out.push_back(std::move(*f));
  }
  return out;
}

Result<std::optional<Finding>> Store::GetFinding(uint64_t id) const {
  std::lock_guard lock(mu_);
  SqlStatement st(db_, "SELECT body FROM findings WHERE id = ?");
  st.Bind(1, static_cast<int64_t>(id));
  if (st.Step() != SQLITE_ROW) return std::optional<Finding>();
  auto f = FindingFromJson(nlohmann::json::parse(st.Text(0), nullptr, false));
  if (!f.ok()) return f.status();
  return std::optional<Finding>(std::move(*f));
}

Result<std::vector<Rollup>> Store::QueryRollups(const std::string& series_id, TimeMs since) const {
  std::lock_guard lock(mu_);
  SqlStatement st(db_,
               "SELECT r.ts, r.min, r.max, r.sum, r.count, r.last FROM rollups r JOIN series s ON s.id = r.series_id "
               "WHERE s.key = ? AND r.ts >= ? ORDER BY r.ts");
  if (!st.ok()) return st.error("query rollups");
  st.Bind(1, series_id).Bind(2, since);
  std::vector<Rollup> out;
  while (st.Step() == SQLITE_ROW)
    out.push_back({series_id, st.Int(0), st.Double(1), st.Double(2), st.Double(3), st.Double(5), static_cast<uint64_t>(st.Int(4))});
  return out;
}

Result<int64_t> Store::DeleteOlderThan(TimeMs before) {
  std::lock_guard lock(mu_);
  int64_t deleted = 0;
  for (const char* sql : {"DELETE FROM rollups WHERE ts < ?", "DELETE FROM events WHERE ts < ?", "DELETE FROM findings WHERE ts < ?"}) {
    SqlStatement st(db_, sql);
    st.Bind(1, before);
    if (st.Step() != SQLITE_DONE) return st.error("retention");
    deleted += sqlite3_changes(db_);
  }
  return deleted;
}

}  // namespace hostmind
