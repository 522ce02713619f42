#pragma once
// NextTemplateModel: DeepLog's next-event check on an n-gram model with back-off. It learns
// which template follows each context of the last `order` templates of a session; a template
// is expected when it is among the `top_k` most frequent followers of the longest context seen
// in training (shorter contexts back it off). Pure: the caller keeps each session's history.
//
// Session boundaries are templates too: kSessionStart pads a new session's history and
// kSessionEnd is what follows its last template. Memory is bounded by `max_contexts` (contexts
// past the cap are not learned and are counted).
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/status.h"
#include "learn/template_miner.h"

namespace hostmind {

inline constexpr TemplateId kSessionStart = kNoTemplate;
inline constexpr TemplateId kSessionEnd = UINT32_MAX;

struct NextTemplateConfig {
  uint32_t order = 1;  // templates of context (1 measured best on HDFS: docs/BENCHMARKS.md)
  uint32_t top_k = 9;
  uint32_t max_contexts = 200000;
};

struct NextTemplateVerdict {
  bool expected = true;
  uint32_t rank = 0;         // 1 = the most frequent follower; 0 = never seen after this context
  double probability = 0;    // of `next` after the context used
  uint32_t context_len = 0;  // how many templates of context the verdict used
};

class NextTemplateModel {
 public:
  explicit NextTemplateModel(NextTemplateConfig config = {}) : config_(config) {}

  // `history` is the session so far, oldest first (only the last `order` entries matter).
  void Learn(std::span<const TemplateId> history, TemplateId next);
  NextTemplateVerdict Check(std::span<const TemplateId> history, TemplateId next) const;
  // How many followers were learned after the last `len` templates of `history`.
  uint64_t Support(std::span<const TemplateId> history, uint32_t len) const;
  // Learns a whole session, start and end markers included.
  void LearnSession(std::span<const TemplateId> session);
  // The first unexpected step of a whole session: its index (session.size() for the end), or
  // -1 when every step is expected.
  int64_t FirstUnexpected(std::span<const TemplateId> session) const;

  size_t contexts() const { return contexts_.size(); }
  uint64_t dropped_contexts() const { return dropped_; }
  const NextTemplateConfig& config() const { return config_; }
  std::string Save() const;
  static Result<NextTemplateModel> Load(std::string_view bytes);

 private:
  struct Followers {
    uint64_t total = 0;
    std::vector<std::pair<TemplateId, uint64_t>> counts;  // by id
  };
  uint64_t ContextKey(std::span<const TemplateId> history, uint32_t len) const;

  NextTemplateConfig config_;
  std::unordered_map<uint64_t, Followers> contexts_;
  uint64_t dropped_ = 0;
};

}  // namespace hostmind
