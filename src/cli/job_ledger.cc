#include "cli/job_ledger.h"

#include <sqlite3.h>

namespace hostmind {
namespace {

// Finalizes the statement whatever happens.
struct Stmt {
  sqlite3_stmt* s = nullptr;
  ~Stmt() { sqlite3_finalize(s); }
};

Status SqlError(sqlite3* db, const std::string& what) {
  return Status::IoError("job ledger: " + what + ": " + sqlite3_errmsg(db));
}

}  // namespace

Result<std::unique_ptr<SqliteJobLedger>> SqliteJobLedger::Open(Store& store) {
  HM_RETURN_IF_ERROR(store.Exec(
      "CREATE TABLE IF NOT EXISTS jobs(id INTEGER PRIMARY KEY, state TEXT NOT NULL, record TEXT NOT NULL);"
      "CREATE INDEX IF NOT EXISTS jobs_state ON jobs(state);"));
  return std::unique_ptr<SqliteJobLedger>(new SqliteJobLedger(store));
}

Status SqliteJobLedger::Save(const Job& job) {
  const std::string record = JobToJson(job).dump();
  std::lock_guard lock(store_.mutex());
  sqlite3* db = store_.handle();
  Stmt st;
  if (sqlite3_prepare_v2(db, "INSERT OR REPLACE INTO jobs(id, state, record) VALUES(?, ?, ?)", -1, &st.s, nullptr) !=
      SQLITE_OK)
    return SqlError(db, "prepare");
  sqlite3_bind_int64(st.s, 1, static_cast<sqlite3_int64>(job.id));
  sqlite3_bind_text(st.s, 2, JobStateName(job.state), -1, SQLITE_STATIC);
  sqlite3_bind_text(st.s, 3, record.data(), static_cast<int>(record.size()), SQLITE_STATIC);
  if (sqlite3_step(st.s) != SQLITE_DONE) return SqlError(db, "save job " + std::to_string(job.id));
  return Status::Ok();
}

Result<std::vector<Job>> SqliteJobLedger::LoadRecent(size_t finished) {
  std::lock_guard lock(store_.mutex());
  sqlite3* db = store_.handle();
  Stmt st;
  if (sqlite3_prepare_v2(db,
                         "SELECT record FROM jobs WHERE state IN ('queued', 'running') "
                         "OR id > (SELECT COALESCE(MAX(id), 0) FROM jobs) - ? ORDER BY id",
                         -1, &st.s, nullptr) != SQLITE_OK)
    return SqlError(db, "prepare");
  sqlite3_bind_int64(st.s, 1, static_cast<sqlite3_int64>(finished));
  std::vector<Job> jobs;
  int rc;
  while ((rc = sqlite3_step(st.s)) == SQLITE_ROW) {
    const char* text = reinterpret_cast<const char*>(sqlite3_column_text(st.s, 0));
    auto j = nlohmann::json::parse(text ? text : "", nullptr, false);
    auto job = j.is_discarded() ? Result<Job>(Status::Corrupt("job ledger: a record is not JSON")) : JobFromJson(j);
    if (!job.ok()) return job.status();
    jobs.push_back(std::move(*job));
  }
  if (rc != SQLITE_DONE) return SqlError(db, "load jobs");
  return jobs;
}

}  // namespace hostmind
