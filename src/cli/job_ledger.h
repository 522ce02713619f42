#pragma once
// The job queue's ledger in the agent's SQLite store: one row per job, its record as JSON.
#include "act/job_queue.h"
#include "store/store.h"

namespace hostmind {

class SqliteJobLedger final : public JobLedger {
 public:
  // Creates the table when missing.
  static Result<std::unique_ptr<SqliteJobLedger>> Open(Store& store);
  Status Save(const Job& job) override;
  Result<std::vector<Job>> LoadRecent(size_t finished) override;

 private:
  explicit SqliteJobLedger(Store& store) : store_(store) {}
  Store& store_;
};

}  // namespace hostmind
