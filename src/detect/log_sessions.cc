#include "detect/log_sessions.h"

#include <algorithm>

#include "learn/byte_codec.h"

namespace hostmind {
namespace {
constexpr std::string_view kMagic = "HMLS1";
}

void LogSessions::Observe(const std::string& key, std::string_view cls, TemplateId id, TimeMs ts, bool judge,
                          std::vector<SequenceAnomaly>& out) {
  auto it = sessions_.find(key);
  if (it == sessions_.end()) {
    if (sessions_.size() >= config_.max_sessions) {
      auto oldest = std::min_element(sessions_.begin(), sessions_.end(),
                                     [](const auto& a, const auto& b) { return a.second.seq < b.second.seq; });
      Close(oldest->first, oldest->second, judge, out);
      sessions_.erase(oldest);
    }
    it = sessions_.emplace(key, Session{std::string(cls), {}, ts, 0}).first;
  }
  Session& s = it->second;
  s.last = std::max(s.last, ts);
  s.seq = ++seq_;
  if (s.ids.size() >= config_.max_session_lines) return;
  if (judge) {
    NextTemplateVerdict v = next_.Check(s.ids, id);
    // Only a transition never seen, after a context seen often, is out of order: rare but
    // known orders are how concurrent work interleaves.
    if (!v.expected && v.rank == 0 && v.context_len > 0) {
      auto support = next_.Support(s.ids, v.context_len);
      if (support >= config_.min_context_support) {
        SequenceAnomaly a;
        a.session = key;
        a.cls = s.cls;
        a.id = id;
        a.previous = s.ids.empty() ? kSessionStart : s.ids.back();
        a.verdict = v;
        a.lines = static_cast<uint32_t>(s.ids.size() + 1);
        a.ts = ts;
        out.push_back(std::move(a));
      }
    }
  }
  next_.Learn(s.ids, id);
  s.ids.push_back(id);
}

void LogSessions::CloseIdle(TimeMs now, bool judge, std::vector<SequenceAnomaly>& out) {
  std::vector<std::string> idle;
  for (const auto& [key, s] : sessions_)
    if (now - s.last >= config_.idle) idle.push_back(key);
  std::sort(idle.begin(), idle.end());  // a fixed order, so findings come out the same way
  for (const std::string& key : idle) {
    Close(key, sessions_.at(key), judge, out);
    sessions_.erase(key);
  }
}

void LogSessions::Close(const std::string& key, Session& s, bool judge, std::vector<SequenceAnomaly>& out) {
  next_.Learn(s.ids, kSessionEnd);
  auto p = profiles_.find(s.cls);
  if (p == profiles_.end()) {
    if (profiles_.size() >= config_.max_classes) return;
    p = profiles_.emplace(s.cls, SessionProfile{}).first;
  }
  if (judge && p->second.sessions() >= config_.min_profile_sessions) {
    std::vector<SessionViolation> v = p->second.Check(s.ids);
    if (!v.empty()) {
      SequenceAnomaly a;
      a.session = key;
      a.cls = s.cls;
      a.violations = std::move(v);
      a.lines = static_cast<uint32_t>(s.ids.size());
      a.ts = s.last;
      out.push_back(std::move(a));
    }
  }
  p->second.Learn(s.ids);
}

std::string LogSessions::Save() const {
  ByteWriter w;
  w.PutRaw(kMagic);
  w.PutString(next_.Save());
  w.PutVarint(profiles_.size());
  for (const auto& [cls, profile] : profiles_) {
    w.PutString(cls);
    w.PutString(profile.Save());
  }
  return w.Take();
}

Status LogSessions::Load(std::string_view bytes) {
  ByteReader r(bytes);
  std::string next_bytes;
  uint64_t n;
  if (!r.Expect(kMagic) || !r.GetString(&next_bytes) || !r.GetBounded(config_.max_classes, &n))
    return Status::Corrupt("log sessions state: bad header");
  auto next = NextTemplateModel::Load(next_bytes);
  if (!next.ok()) return next.status();
  std::map<std::string, SessionProfile> profiles;
  for (uint64_t k = 0; k < n; ++k) {
    std::string cls, profile_bytes;
    if (!r.GetString(&cls) || !r.GetString(&profile_bytes)) return Status::Corrupt("log sessions state: bad profile");
    auto profile = SessionProfile::Load(profile_bytes);
    if (!profile.ok()) return profile.status();
    profiles.emplace(std::move(cls), std::move(*profile));
  }
  if (!r.done()) return Status::Corrupt("log sessions state: trailing bytes");
  next_ = std::move(*next);
  profiles_ = std::move(profiles);
  sessions_.clear();
  return Status::Ok();
}

}  // namespace hostmind
