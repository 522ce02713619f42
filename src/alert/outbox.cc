#include "alert/outbox.h"

#include "store/sql_statement.h"

namespace hostmind {

Result<Outbox> Outbox::Open(Store& store, std::string target, size_t capacity) {
  HM_RETURN_IF_ERROR(store.Exec(
      "CREATE TABLE IF NOT EXISTS alert_outbox(id INTEGER PRIMARY KEY, target TEXT NOT NULL, created INTEGER NOT NULL,"
      " attempts INTEGER NOT NULL DEFAULT 0, payload TEXT NOT NULL);"
      "CREATE INDEX IF NOT EXISTS alert_outbox_target ON alert_outbox(target, id);"));
  return Outbox(store, std::move(target), std::max<size_t>(1, capacity));
}

Status Outbox::Push(const std::string& payload, TimeMs now) {
  std::lock_guard lock(store_->mutex());
  sqlite3* db = store_->handle();
  SqlStatement ins(db, "INSERT INTO alert_outbox(target, created, payload) VALUES(?, ?, ?)");
  if (!ins.ok()) return ins.error("outbox push");
  ins.Bind(1, target_).Bind(2, static_cast<int64_t>(now)).Bind(3, payload);
  if (ins.Step() != SQLITE_DONE) return ins.error("outbox push");
  // Bounded: beyond capacity the oldest go (an outage must not fill the disk).
  SqlStatement trim(db,
                    "DELETE FROM alert_outbox WHERE target = ?1 AND id IN (SELECT id FROM alert_outbox WHERE target = ?1 "
                    "ORDER BY id DESC LIMIT -1 OFFSET ?2)");
  if (!trim.ok()) return trim.error("outbox trim");
  trim.Bind(1, target_).Bind(2, static_cast<int64_t>(capacity_));
  if (trim.Step() != SQLITE_DONE) return trim.error("outbox trim");
  dropped_ += static_cast<uint64_t>(sqlite3_changes(db));
  return Status::Ok();
}

Result<std::vector<OutboxItem>> Outbox::Peek(size_t max) const {
  std::lock_guard lock(store_->mutex());
  SqlStatement st(store_->handle(),
                  "SELECT id, created, attempts, payload FROM alert_outbox WHERE target = ? ORDER BY id LIMIT ?");
  if (!st.ok()) return st.error("outbox peek");
  st.Bind(1, target_).Bind(2, static_cast<int64_t>(max));
  std::vector<OutboxItem> out;
  while (st.Step() == SQLITE_ROW)
    out.push_back({st.Int(0), static_cast<TimeMs>(st.Int(1)), static_cast<int>(st.Int(2)), st.Text(3)});
  return out;
}

Status Outbox::Update(const char* sql, const std::vector<OutboxItem>& items) {
  std::lock_guard lock(store_->mutex());
  SqlStatement st(store_->handle(), sql);
  if (!st.ok()) return st.error("outbox update");
  for (const auto& item : items) {
    st.Bind(1, item.id);
    if (st.Step() != SQLITE_DONE) return st.error("outbox update");
    st.Reset();
  }
  return Status::Ok();
}

Status Outbox::Ack(const std::vector<OutboxItem>& items) { return Update("DELETE FROM alert_outbox WHERE id = ?", items); }

Status Outbox::CountAttempt(const std::vector<OutboxItem>& items) {
  return Update("UPDATE alert_outbox SET attempts = attempts + 1 WHERE id = ?", items);
}

uint64_t Outbox::dropped() const {
  std::lock_guard lock(store_->mutex());  // Push counts under it
  return dropped_;
}

size_t Outbox::size() const {
  std::lock_guard lock(store_->mutex());
  SqlStatement st(store_->handle(), "SELECT count(*) FROM alert_outbox WHERE target = ?");
  if (!st.ok()) return 0;
  st.Bind(1, target_);
  return st.Step() == SQLITE_ROW ? static_cast<size_t>(st.Int(0)) : 0;
}

}  // namespace hostmind
