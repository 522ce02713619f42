#pragma once
// SessionProfile: what a normal session contains, order aside. Learned from normal sessions
// (a block's life in HDFS, a unit's start-up, a job run): for every template, the range of its
// count per session, and the classes of templates whose counts were equal in every session
// (invariants in the sense of Lou et al., "Mining Invariants from Console Logs", USENIX ATC
// 2010: a block opened is a block closed). A session is abnormal when a count leaves its range
// (a template never seen, a step missing or repeated) or an invariant breaks. Order-insensitive
// on purpose: concurrent work interleaves its lines differently every time, which a next-event
// model mistakes for anomalies.
//
// Memory: bounded by `max_templates` tracked templates (later ones are treated as unseen).
#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "learn/template_miner.h"

namespace hostmind {

struct SessionViolation {
  TemplateId id = kNoTemplate;
  uint32_t count = 0;      // in the session
  uint32_t min = 0;        // the learned range; min = max = 0 for a template never seen
  uint32_t max = 0;
  TemplateId partner = kNoTemplate;  // set when an invariant count(id) == count(partner) broke
  uint32_t partner_count = 0;
};

class SessionProfile {
 public:
  explicit SessionProfile(uint32_t max_templates = 4096) : max_templates_(max_templates) {}

  void Learn(std::span<const TemplateId> session);
  // Empty when the session looks normal; otherwise every violation, ranges first.
  std::vector<SessionViolation> Check(std::span<const TemplateId> session) const;
  uint64_t sessions() const { return sessions_; }

  std::string Save() const;
  static Result<SessionProfile> Load(std::string_view bytes);

 private:
  struct Range {
    uint32_t min = 0, max = 0;
    uint32_t invariant_class = 0;
  };
  static std::map<TemplateId, uint32_t> Counts(std::span<const TemplateId> session);

  uint32_t max_templates_;
  uint64_t sessions_ = 0;
  uint32_t next_class_ = 1;
  std::map<TemplateId, Range> ranges_;
};

}  // namespace hostmind
