#pragma once
// Silences: alerts whose labels match every matcher of an active silence are not delivered
// (they still are stored and shown). Matchers work as Alertmanager's: name, value, `=` or `!=`,
// and `=~` / `!~` for regular expressions anchored at both ends. Kept in the store, so a
// restart keeps them. Thread-safe: HTTP threads add and expire, the analysis thread matches.
#include <memory>
#include <mutex>
#include <optional>
#include <regex>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "alert/alert.h"
#include "store/store.h"

namespace hostmind {

struct Matcher {
  std::string name;
  std::string value;
  bool regex = false;
  bool equal = true;  // false: the label must NOT match
};

struct Silence {
  uint64_t id = 0;
  std::vector<Matcher> matchers;
  TimeMs starts_at = 0;
  TimeMs ends_at = 0;
  std::string created_by;
  std::string comment;
  bool Active(TimeMs now) const { return starts_at <= now && now < ends_at; }
};

nlohmann::json SilenceToJson(const Silence& s, TimeMs now);
// Validates as well: at least one matcher, regexes that compile, ends_at after starts_at.
Result<Silence> SilenceFromJson(const nlohmann::json& j, TimeMs now);

class SilenceBook {
 public:
  // Loads the silences kept in `store` (creating its table on first use).
  static Result<std::unique_ptr<SilenceBook>> Open(Store& store);

  // Stores `silence` and returns it with its id.
  Result<Silence> Add(Silence silence);
  // Ends silence `id` now; NotFound when unknown.
  Status Expire(uint64_t id, TimeMs now);
  // Silences that have not ended (and, with `all`, the ended ones too), newest first.
  std::vector<Silence> List(TimeMs now, bool all = false) const;
  // The id of an active silence matching `labels`, if any.
  std::optional<uint64_t> Silencing(const AlertLabels& labels, TimeMs now) const;

 private:
  struct Entry {
    Silence silence;
    std::vector<std::optional<std::regex>> compiled;  // per matcher, when regex
  };
  explicit SilenceBook(Store& store) : store_(store) {}
  static Result<Entry> Compile(Silence silence);
  Status Save(const Silence& silence);

  Store& store_;
  mutable std::mutex mu_;
  std::vector<Entry> entries_;
};

}  // namespace hostmind
