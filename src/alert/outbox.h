#pragma once
// Outbox: a bounded, durable queue of notifications for one delivery target, in the store's
// SQLite database. A notification stays until its target took it, so a sink outage or an
// agent restart (even kill -9: each push is committed) loses nothing; when the queue is full
// the oldest notification is dropped and counted, so an outage cannot fill the disk.
// Thread-safe (the store's mutex).
#include <string>
#include <vector>

#include "store/store.h"

namespace hostmind {

struct OutboxItem {
  int64_t id = 0;
  TimeMs created = 0;
  int attempts = 0;
  std::string payload;
};

class Outbox {
 public:
  // Creates the shared table on first use; `target` names this queue's rows.
  static Result<Outbox> Open(Store& store, std::string target, size_t capacity);

  Status Push(const std::string& payload, TimeMs now);
  // The oldest `max` waiting notifications.
  Result<std::vector<OutboxItem>> Peek(size_t max) const;
  // Removes delivered notifications.
  Status Ack(const std::vector<OutboxItem>& items);
  // Counts a failed attempt on each.
  Status CountAttempt(const std::vector<OutboxItem>& items);
  size_t size() const;
  uint64_t dropped() const;

 private:
  Outbox(Store& store, std::string target, size_t capacity) : store_(&store), target_(std::move(target)), capacity_(capacity) {}
  Status Update(const char* sql, const std::vector<OutboxItem>& items);

  Store* store_;
  std::string target_;
  size_t capacity_;
  uint64_t dropped_ = 0;
};

}  // namespace hostmind
