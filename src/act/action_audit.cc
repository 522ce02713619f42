#include "act/action_audit.h"

#include <sqlite3.h>

#include <sstream>

#include <spdlog/spdlog.h>

namespace hostmind {

namespace {

constexpr const char* kSchema = R"(
CREATE TABLE IF NOT EXISTS actions (
  id INTEGER PRIMARY KEY AUTOINCREMENT, ts INTEGER NOT NULL, actuator TEXT NOT NULL, mode TEXT NOT NULL,
  status TEXT NOT NULL, target TEXT NOT NULL, knob TEXT NOT NULL, old_value TEXT, new_value TEXT,
  reason TEXT, inputs TEXT, error TEXT);
CREATE INDEX IF NOT EXISTS actions_ts ON actions(ts);
CREATE TABLE IF NOT EXISTS act_originals (
  seq INTEGER PRIMARY KEY AUTOINCREMENT, actuator TEXT NOT NULL, path TEXT NOT NULL UNIQUE,
  value TEXT, created_dir INTEGER NOT NULL DEFAULT 0, saved_at INTEGER NOT NULL);
)";

// A prepared statement finalized on scope exit.
class Stmt {
 public:
  Stmt(sqlite3* db, const char* sql) { rc_ = sqlite3_prepare_v2(db, sql, -1, &s_, nullptr); }
  ~Stmt() { sqlite3_finalize(s_); }
  bool ok() const { return rc_ == SQLITE_OK; }
  sqlite3_stmt* get() { return s_; }
  void Text(int i, const std::string& v) { sqlite3_bind_text(s_, i, v.c_str(), -1, SQLITE_TRANSIENT); }
  void Int(int i, int64_t v) { sqlite3_bind_int64(s_, i, v); }
  std::string Col(int i) {
    auto* t = sqlite3_column_text(s_, i);
    return t ? reinterpret_cast<const char*>(t) : "";
  }

 private:
  sqlite3_stmt* s_ = nullptr;
  int rc_;
};

Status SqlError(sqlite3* db, const std::string& what) {
  return Status::IoError(what + ": " + sqlite3_errmsg(db));
}

const char* kActionColumns = "id, ts, actuator, mode, status, target, knob, old_value, new_value, reason, inputs, error";

Action ReadAction(Stmt& s) {
  Action a;
  a.id = sqlite3_column_int64(s.get(), 0);
  a.ts = sqlite3_column_int64(s.get(), 1);
  a.actuator = s.Col(2);
  a.mode = ParseActMode(s.Col(3)).value_or(ActMode::kObserve);
  std::string status = s.Col(4);
  for (auto st : {ActionStatus::kRecommended, ActionStatus::kApplied, ActionStatus::kFailed, ActionStatus::kRestored})
    if (status == ActionStatusName(st)) a.status = st;
  a.target = s.Col(5);
  a.knob = s.Col(6);
  a.old_value = s.Col(7);
  a.new_value = s.Col(8);
  a.reason = s.Col(9);
  auto inputs = nlohmann::json::parse(s.Col(10), nullptr, false);
  if (inputs.is_array())
    for (const auto& kv : inputs)
      if (kv.is_array() && kv.size() == 2 && kv[0].is_string() && kv[1].is_string())
        a.inputs.emplace_back(kv[0].get<std::string>(), kv[1].get<std::string>());
  a.error = s.Col(11);
  return a;
}

}  // namespace

Result<std::unique_ptr<ActionAudit>> ActionAudit::Open(Store& store) {
  HM_RETURN_IF_ERROR(store.Exec(kSchema));
  return std::unique_ptr<ActionAudit>(new ActionAudit(store));
}

Status ActionAudit::Record(Action& a) {
  std::lock_guard lock(store_.mutex());
  sqlite3* db = store_.handle();
  Stmt s(db,
         "INSERT INTO actions (ts, actuator, mode, status, target, knob, old_value, new_value, reason, inputs, error) "
         "VALUES (?,?,?,?,?,?,?,?,?,?,?)");
  if (!s.ok()) return SqlError(db, "prepare action insert");
  nlohmann::json inputs = nlohmann::json::array();
  for (const auto& [k, v] : a.inputs) inputs.push_back({k, v});
  s.Int(1, a.ts);
  s.Text(2, a.actuator);
  s.Text(3, ActModeName(a.mode));
  s.Text(4, ActionStatusName(a.status));
  s.Text(5, a.target);
  s.Text(6, a.knob);
  s.Text(7, a.old_value);
  s.Text(8, a.new_value);
  s.Text(9, a.reason);
  s.Text(10, inputs.dump());
  s.Text(11, a.error);
  if (sqlite3_step(s.get()) != SQLITE_DONE) return SqlError(db, "insert action");
  a.id = sqlite3_last_insert_rowid(db);
  return Status::Ok();
}

Result<std::optional<Action>> ActionAudit::Get(int64_t id) const {
  std::lock_guard lock(store_.mutex());
  sqlite3* db = store_.handle();
  std::string sql = std::string("SELECT ") + kActionColumns + " FROM actions WHERE id = ?";
  Stmt s(db, sql.c_str());
  if (!s.ok()) return SqlError(db, "prepare action get");
  s.Int(1, id);
  if (sqlite3_step(s.get()) != SQLITE_ROW) return std::optional<Action>();
  return std::optional<Action>(ReadAction(s));
}

Result<std::vector<Action>> ActionAudit::Query(TimeMs since, const std::string& actuator, size_t limit) const {
  std::lock_guard lock(store_.mutex());
  sqlite3* db = store_.handle();
  std::string sql = std::string("SELECT ") + kActionColumns +
                    " FROM actions WHERE ts >= ? AND (? = '' OR actuator = ?) ORDER BY id DESC LIMIT ?";
  Stmt s(db, sql.c_str());
  if (!s.ok()) return SqlError(db, "prepare action query");
  s.Int(1, since);
  s.Text(2, actuator);
  s.Text(3, actuator);
  s.Int(4, static_cast<int64_t>(limit));
  std::vector<Action> out;
  while (sqlite3_step(s.get()) == SQLITE_ROW) out.push_back(ReadAction(s));
  return out;
}

nlohmann::json ActionJson(const Action& a) {
  nlohmann::json inputs = nlohmann::json::object();
  for (const auto& [k, v] : a.inputs) inputs[k] = v;
  return {{"id", a.id},           {"ts", a.ts},
          {"actuator", a.actuator}, {"mode", ActModeName(a.mode)},
          {"status", ActionStatusName(a.status)}, {"target", a.target},
          {"knob", a.knob},       {"old_value", a.old_value},
          {"new_value", a.new_value}, {"reason", a.reason},
          {"inputs", inputs},     {"error", a.error}};
}

Result<std::unique_ptr<OriginalValues>> OriginalValues::Open(Store& store, std::string actuator) {
  HM_RETURN_IF_ERROR(store.Exec(kSchema));
  return std::unique_ptr<OriginalValues>(new OriginalValues(store, std::move(actuator)));
}

Status OriginalValues::SaveIfAbsent(const std::string& path, const std::string& value, TimeMs now) {
  std::lock_guard lock(store_.mutex());
  sqlite3* db = store_.handle();
  Stmt s(db, "INSERT OR IGNORE INTO act_originals (actuator, path, value, created_dir, saved_at) VALUES (?,?,?,0,?)");
  if (!s.ok()) return SqlError(db, "prepare original insert");
  s.Text(1, actuator_);
  s.Text(2, path);
  s.Text(3, value);
  s.Int(4, now);
  if (sqlite3_step(s.get()) != SQLITE_DONE) return SqlError(db, "save original of " + path);
  return Status::Ok();
}

Status OriginalValues::SaveCreatedDir(const std::string& path, TimeMs now) {
  std::lock_guard lock(store_.mutex());
  sqlite3* db = store_.handle();
  Stmt s(db, "INSERT OR IGNORE INTO act_originals (actuator, path, value, created_dir, saved_at) VALUES (?,?,'',1,?)");
  if (!s.ok()) return SqlError(db, "prepare created-dir insert");
  s.Text(1, actuator_);
  s.Text(2, path);
  s.Int(3, now);
  if (sqlite3_step(s.get()) != SQLITE_DONE) return SqlError(db, "save created dir " + path);
  return Status::Ok();
}

bool OriginalValues::HasAny() const {
  std::lock_guard lock(store_.mutex());
  Stmt s(store_.handle(), "SELECT 1 FROM act_originals WHERE actuator = ? LIMIT 1");
  if (!s.ok()) return false;
  s.Text(1, actuator_);
  return sqlite3_step(s.get()) == SQLITE_ROW;
}

Status OriginalValues::RestoreAll(HostWriter& writer, ActionAudit* audit, TimeMs now, const std::string& why) {
  struct Saved {
    int64_t seq;
    std::string path, value;
    bool created_dir;
  };
  std::vector<Saved> saved;
  {
    std::lock_guard lock(store_.mutex());
    // Files newest first (undo in reverse), then created directories deepest first.
    Stmt s(store_.handle(),
           "SELECT seq, path, value, created_dir FROM act_originals WHERE actuator = ? "
           "ORDER BY created_dir, CASE WHEN created_dir = 1 THEN length(path) ELSE seq END DESC");
    if (!s.ok()) return SqlError(store_.handle(), "prepare originals query");
    s.Text(1, actuator_);
    while (sqlite3_step(s.get()) == SQLITE_ROW)
      saved.push_back({sqlite3_column_int64(s.get(), 0), s.Col(1), s.Col(2), sqlite3_column_int(s.get(), 3) != 0});
  }
  Status first_error;
  for (const auto& item : saved) {
    Status st = item.created_dir ? writer.RemoveDir(item.path) : writer.WriteFile(item.path, item.value);
    // A cgroup that is gone took its knobs with it: nothing left to restore.
    bool gone = st.code() == StatusCode::kNotFound;
    if (audit) {
      Action a;
      a.ts = now;
      a.actuator = actuator_;
      a.mode = ActMode::kEnforce;
      a.status = st.ok() || gone ? ActionStatus::kRestored : ActionStatus::kFailed;
      a.target = item.path;
      a.knob = item.created_dir ? "rmdir" : "restore";
      a.new_value = item.value;
      a.reason = why;
      a.error = st.ok() ? "" : st.ToString();
      if (Status rs = audit->Record(a); !rs.ok()) spdlog::warn("audit: {}", rs.ToString());
    }
    // A created cgroup that still holds processes stays (rmdir gives EBUSY) and is forgotten:
    // removing it is not ours to force.
    if (!st.ok() && !gone && !item.created_dir) {
      if (first_error.ok()) first_error = st;
      continue;
    }
    std::lock_guard lock(store_.mutex());
    Stmt del(store_.handle(), "DELETE FROM act_originals WHERE seq = ?");
    if (del.ok()) {
      del.Int(1, item.seq);
      sqlite3_step(del.get());
    }
  }
  return first_error;
}

std::string ExplainAction(const Action& a) {
  std::ostringstream out;
  out << "action " << a.id << " at " << FormatIso8601(a.ts) << " by " << a.actuator << " (mode " << ActModeName(a.mode)
      << "): " << ActionStatusName(a.status) << "\n";
  out << "  target: " << a.target << "\n";
  out << "  change: " << a.knob << " " << (a.old_value.empty() ? "?" : a.old_value) << " -> " << a.new_value << "\n";
  out << "  why:    " << a.reason << "\n";
  if (!a.error.empty()) out << "  error:  " << a.error << "\n";
  if (!a.inputs.empty()) {
    out << "  inputs:\n";
    for (const auto& [k, v] : a.inputs) out << "    " << k << " = " << v << "\n";
  }
  return out.str();
}

const char* ActModeName(ActMode mode) {
  switch (mode) {
    case ActMode::kObserve: return "observe";
    case ActMode::kRecommend: return "recommend";
    case ActMode::kEnforce: return "enforce";
  }
  return "?";
}

Result<ActMode> ParseActMode(const std::string& text) {
  for (auto m : {ActMode::kObserve, ActMode::kRecommend, ActMode::kEnforce})
    if (text == ActModeName(m)) return m;
  return Status::InvalidArgument("mode '" + text + "': expected observe, recommend or enforce");
}

const char* ActionStatusName(ActionStatus status) {
  switch (status) {
    case ActionStatus::kRecommended: return "recommended";
    case ActionStatus::kApplied: return "applied";
    case ActionStatus::kFailed: return "failed";
    case ActionStatus::kRestored: return "restored";
  }
  return "?";
}

}  // namespace hostmind
