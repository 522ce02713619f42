#pragma once
// ActionAudit: every action an actuator takes (or recommends) in the store's `actions` table,
// with its reason and inputs, so that `hostmind explain action ID` and /api/v1/actions can show
// it later. OriginalValues: the value of every host file an actuator changed, saved in
// `act_originals` before the first change and deleted once put back, so that a stop, or the
// next start after a crash (kill -9), restores the host.
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "act/actuator.h"
#include "act/host_writer.h"
#include "store/store.h"

namespace hostmind {

class ActionAudit {
 public:
  // Creates the table when missing.
  static Result<std::unique_ptr<ActionAudit>> Open(Store& store);
  // Assigns action.id.
  Status Record(Action& action);
  Result<std::optional<Action>> Get(int64_t id) const;
  // Newest first; `actuator` "" = any.
  Result<std::vector<Action>> Query(TimeMs since, const std::string& actuator, size_t limit) const;

 private:
  explicit ActionAudit(Store& store) : store_(store) {}
  Store& store_;
};

nlohmann::json ActionJson(const Action& action);

class OriginalValues {
 public:
  static Result<std::unique_ptr<OriginalValues>> Open(Store& store, std::string actuator);
  // Saves `value` as the original of `path` unless one is saved already (the first wins: a
  // value saved before a crash is the host's, not ours).
  Status SaveIfAbsent(const std::string& path, const std::string& value, TimeMs now);
  // Remembers that the actuator created directory `path` (removed on restore when empty).
  Status SaveCreatedDir(const std::string& path, TimeMs now);
  bool HasAny() const;
  // Writes every saved original back (files in reverse order of saving, then created
  // directories, deepest first), forgetting each one put back; each restore is recorded in
  // `audit` when given. Failures are collected and the rest go on.
  Status RestoreAll(HostWriter& writer, ActionAudit* audit, TimeMs now, const std::string& why);

 private:
  OriginalValues(Store& store, std::string actuator) : store_(store), actuator_(std::move(actuator)) {}
  Store& store_;
  std::string actuator_;
};

}  // namespace hostmind
