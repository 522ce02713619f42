#include "alert/silences.h"

#include <algorithm>

#include "store/json_codec.h"
#include "store/sql_statement.h"

namespace hostmind {

nlohmann::json SilenceToJson(const Silence& s, TimeMs now) {
  nlohmann::json matchers = nlohmann::json::array();
  for (const auto& m : s.matchers)
    matchers.push_back({{"name", m.name}, {"value", m.value}, {"regex", m.regex}, {"equal", m.equal}});
  return {{"id", s.id},           {"matchers", matchers},     {"starts_at", s.starts_at}, {"ends_at", s.ends_at},
          {"created_by", s.created_by}, {"comment", s.comment}, {"active", s.Active(now)}};
}

Result<Silence> SilenceFromJson(const nlohmann::json& j, TimeMs now) {
  if (!j.is_object()) return Status::InvalidArgument("silence: expected a JSON object");
  try {
    Silence s;
    s.id = j.value("id", uint64_t{0});
    s.starts_at = j.value("starts_at", now);
    if (!j.contains("ends_at")) return Status::InvalidArgument("silence: 'ends_at' (ms since the epoch) is required");
    s.ends_at = j.at("ends_at").get<TimeMs>();
    s.created_by = j.value("created_by", "");
    s.comment = j.value("comment", "");
    if (!j.contains("matchers") || !j["matchers"].is_array() || j["matchers"].empty())
      return Status::InvalidArgument("silence: at least one matcher is required (a silence of everything is refused)");
    for (const auto& m : j["matchers"]) {
      Matcher matcher{m.at("name").get<std::string>(), m.at("value").get<std::string>(), m.value("regex", false),
                      m.value("equal", true)};
      if (matcher.name.empty()) return Status::InvalidArgument("silence: a matcher has no label name");
      s.matchers.push_back(std::move(matcher));
    }
    if (s.ends_at <= s.starts_at) return Status::InvalidArgument("silence: ends_at must be after starts_at");
    return s;
  } catch (const nlohmann::json::exception& e) {
    return Status::InvalidArgument(std::string("silence: ") + e.what());
  }
}

Result<SilenceBook::Entry> SilenceBook::Compile(Silence silence) {
  Entry e;
  for (const auto& m : silence.matchers) {
    if (!m.regex) {
      e.compiled.emplace_back();
      continue;
    }
    try {
      e.compiled.emplace_back(std::regex(m.value, std::regex::ECMAScript));
    } catch (const std::regex_error& err) {
      return Status::InvalidArgument("silence: matcher " + m.name + "=~\"" + m.value + "\": " + err.what());
    }
  }
  e.silence = std::move(silence);
  return e;
}

Result<std::unique_ptr<SilenceBook>> SilenceBook::Open(Store& store) {
  HM_RETURN_IF_ERROR(store.Exec(
      "CREATE TABLE IF NOT EXISTS silences(id INTEGER PRIMARY KEY, ends_at INTEGER NOT NULL, body TEXT NOT NULL)"));
  std::unique_ptr<SilenceBook> book(new SilenceBook(store));
  std::lock_guard lock(store.mutex());
  SqlStatement st(store.handle(), "SELECT id, body FROM silences ORDER BY id");
  if (!st.ok()) return st.error("load silences");
  while (st.Step() == SQLITE_ROW) {
    auto s = SilenceFromJson(nlohmann::json::parse(st.Text(1), nullptr, false), 0);
    if (!s.ok()) return Status::Corrupt("silence " + std::to_string(st.Int(0)) + ": " + s.status().message());
    s->id = static_cast<uint64_t>(st.Int(0));
    auto entry = Compile(*std::move(s));
    if (!entry.ok()) return entry.status();
    book->entries_.push_back(*std::move(entry));
  }
  return book;
}

Status SilenceBook::Save(const Silence& s) {
  std::lock_guard lock(store_.mutex());
  SqlStatement st(store_.handle(), "INSERT OR REPLACE INTO silences(id, ends_at, body) VALUES(?, ?, ?)");
  if (!st.ok()) return st.error("save silence");
  st.Bind(1, static_cast<int64_t>(s.id)).Bind(2, static_cast<int64_t>(s.ends_at)).Bind(3, JsonText(SilenceToJson(s, 0)));
  return st.Step() == SQLITE_DONE ? Status::Ok() : st.error("save silence");
}

Result<Silence> SilenceBook::Add(Silence silence) {
  std::lock_guard lock(mu_);
  uint64_t next = 1;
  for (const auto& e : entries_) next = std::max(next, e.silence.id + 1);
  silence.id = next;
  auto entry = Compile(silence);
  if (!entry.ok()) return entry.status();
  HM_RETURN_IF_ERROR(Save(silence));
  entries_.push_back(*std::move(entry));
  return silence;
}

Status SilenceBook::Expire(uint64_t id, TimeMs now) {
  std::lock_guard lock(mu_);
  for (auto& e : entries_) {
    if (e.silence.id != id) continue;
    e.silence.ends_at = std::min(e.silence.ends_at, now);
    e.silence.starts_at = std::min(e.silence.starts_at, e.silence.ends_at);
    return Save(e.silence);
  }
  return Status::NotFound("no silence " + std::to_string(id));
}

std::vector<Silence> SilenceBook::List(TimeMs now, bool all) const {
  std::lock_guard lock(mu_);
  std::vector<Silence> out;
  for (auto it = entries_.rbegin(); it != entries_.rend(); ++it)
    if (all || it->silence.ends_at > now) out.push_back(it->silence);
  return out;
}

std::optional<uint64_t> SilenceBook::Silencing(const AlertLabels& labels, TimeMs now) const {
  std::lock_guard lock(mu_);
  for (const auto& e : entries_) {
    if (!e.silence.Active(now)) continue;
    bool all = true;
    for (size_t i = 0; i < e.silence.matchers.size() && all; ++i) {
      const Matcher& m = e.silence.matchers[i];
      auto it = labels.find(m.name);
      std::string value = it == labels.end() ? "" : it->second;  // a missing label is empty, as in Alertmanager
      bool match = m.regex ? std::regex_match(value, *e.compiled[i]) : value == m.value;
      all = match == m.equal;
    }
    if (all) return e.silence.id;
  }
  return std::nullopt;
}

}  // namespace hostmind
