#pragma once
// LogSessions: log lines tied into sessions (a unit's process, an HDFS block, a job) and
// checked two ways. While a session runs, each step is checked against the next-template model
// (a template never seen after the previous one, in a well-known context, is out of order).
// When a session goes idle, its whole content is checked against the session profile of its
// class (counts out of range, broken invariants). Both models learn every session after
// checking it. Memory: at most `max_sessions` open sessions (the least recently active is
// closed early) and `max_classes` profiles.
#include <map>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/clock.h"
#include "core/status.h"
#include "learn/next_template_model.h"
#include "learn/session_profile.h"

namespace hostmind {

struct LogSessionsConfig {
  TimeMs idle = 5 * kMsPerMinute;
  uint32_t max_sessions = 4096;
  uint32_t max_classes = 256;
  uint32_t max_session_lines = 1024;   // longer sessions are profiled on their first lines
  uint32_t min_profile_sessions = 20;  // a class profile judges once it has learned this many
  uint64_t min_context_support = 50;   // lines seen after a context before it judges order
  NextTemplateConfig next;
};

struct SequenceAnomaly {
  std::string session;  // "sshd.service pid 42", "id blk_-1608"
  std::string cls;      // the session's class: its origin or its id prefix
  TemplateId id = kNoTemplate;        // the out-of-order template (order anomalies)
  TemplateId previous = kNoTemplate;  // what came before it
  NextTemplateVerdict verdict;
  std::vector<SessionViolation> violations;  // profile anomalies
  uint32_t lines = 0;
  TimeMs ts = 0;
};

class LogSessions {
 public:
  explicit LogSessions(LogSessionsConfig config = {}) : config_(config), next_(config.next) {}

  // One line of session `key` (class `cls`). `judge` is false while the models are warming up.
  void Observe(const std::string& key, std::string_view cls, TemplateId id, TimeMs ts, bool judge,
               std::vector<SequenceAnomaly>& out);
  // Closes the sessions idle since `now - idle`, profiling each.
  void CloseIdle(TimeMs now, bool judge, std::vector<SequenceAnomaly>& out);
  size_t open_sessions() const { return sessions_.size(); }

  std::string Save() const;  // the models; open sessions are not kept
  Status Load(std::string_view bytes);

 private:
  struct Session {
    std::string cls;
    std::vector<TemplateId> ids;
    TimeMs last = 0;
    uint64_t seq = 0;  // activity order, for closing the least recently active
  };
  void Close(const std::string& key, Session& s, bool judge, std::vector<SequenceAnomaly>& out);

  LogSessionsConfig config_;
  NextTemplateModel next_;
  std::map<std::string, SessionProfile> profiles_;
  std::unordered_map<std::string, Session> sessions_;
  uint64_t seq_ = 0;
};

}  // namespace hostmind
