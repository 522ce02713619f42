#pragma once
// TemplateMiner: turns log messages into templates online, in one pass, deterministically.
//
// A message is split into tokens (log_tokenizer.h); tokens that look like values are variables
// from the start. Messages with the same token count and first token are routed together and
// grouped by similarity, as in Drain's fixed-depth tree. Inside a group every token position
// keeps the distinct words seen there; a position becomes a variable only once it has shown
// `variable_after` distinct words (or any value-like token). Until then each combination of
// words is its own template ("cupsd startup succeeded" and "cupsd shutdown succeeded" stay
// apart), and when a position turns variable the templates that differed only there merge into
// the oldest of them. Old ids stay resolvable through Resolve().
//
// Memory is bounded: at most `max_templates` templates (the least recently seen are evicted),
// at most `max_tokens` tokens per message, examples cut at `max_example_bytes`.
// The state is saved and restored as bytes (Save/Load).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/clock.h"
#include "core/status.h"
#include "learn/log_tokenizer.h"

namespace hostmind {

using TemplateId = uint32_t;
inline constexpr TemplateId kNoTemplate = 0;

struct TemplateMinerConfig {
  double similarity = 0.5;      // share of positions that must agree to join a group
  uint32_t variable_after = 4;  // distinct words at one position that make it a variable
  uint32_t max_templates = 5000;
  uint32_t max_tokens = 128;
  uint32_t max_example_bytes = 512;
};

struct TemplateInfo {
  TemplateId id = kNoTemplate;
  std::string text;     // "Failed password for <*> from <*> port <*> ssh2"
  std::string example;  // the first message seen, cut at max_example_bytes
  uint64_t count = 0;
  TimeMs first_seen = 0;
  TimeMs last_seen = 0;
};

// What Add() reports for one message.
struct LineMatch {
  TemplateId id = kNoTemplate;
  bool is_new = false;                   // this message created the template
  std::vector<std::string_view> params;  // the variable parts, in order: views into the message
};

struct MinerStats {
  uint64_t lines = 0;
  uint64_t templates = 0;  // alive now
  uint64_t groups = 0;     // alive now
  uint64_t created = 0;
  uint64_t merged = 0;
  uint64_t evicted = 0;
};

class TemplateMiner {
 public:
  explicit TemplateMiner(TemplateMinerConfig config = {});

  // Learns from one message seen at `ts`. The result (and its views into `message`) stays
  // valid until the next call.
  const LineMatch& Add(std::string_view message, TimeMs ts);
  // The template `message` matches now, without learning; kNoTemplate when none does.
  TemplateId Match(std::string_view message) const;
  // What an id returned earlier is now, after merges; kNoTemplate when it was evicted.
  TemplateId Resolve(TemplateId id) const;
  std::optional<TemplateInfo> Info(TemplateId id) const;
  // Every alive template, by id.
  std::vector<TemplateInfo> Templates() const;
  MinerStats stats() const;
  const TemplateMinerConfig& config() const { return config_; }

  std::string Save() const;
  static Result<TemplateMiner> Load(std::string_view bytes);

 private:
  static constexpr uint8_t kAny = 0xff;  // a template's choice at a variable position

  struct Slot {  // one token position of a group
    bool variable = false;
    std::vector<uint64_t> hashes;  // distinct words seen here, while not variable
    std::vector<std::string> words;
  };
  struct Group {
    bool alive = false;
    uint64_t route = 0;
    std::vector<Slot> slots;
    std::vector<TemplateId> templates;
  };
  struct Template {
    uint32_t group = 0;
    std::vector<uint8_t> choice;  // per slot: index into the slot's words, or kAny
    uint64_t count = 0;
    uint64_t last_tick = 0;  // line number of the last match: the eviction order
    TimeMs first_seen = 0;
    TimeMs last_seen = 0;
    std::string example;
  };

  uint64_t RouteOf(const std::vector<LogToken>& tokens) const;
  static uint64_t ShapeOf(const std::vector<LogToken>& tokens);
  // Index of the best group for `tokens` among its route, or -1 when none is similar enough.
  int64_t BestGroup(const std::vector<LogToken>& tokens, uint64_t route) const;
  // The template of group `g` that `tokens` (already compatible with it) belongs to, or
  // kNoTemplate.
  TemplateId FindInGroup(uint32_t g, const std::vector<LogToken>& tokens) const;
  bool Fits(const Template& t, const std::vector<LogToken>& tokens) const;
  // Widens group `g` to accept `tokens`; merges templates when a position turns variable.
  void Absorb(uint32_t g, const std::vector<LogToken>& tokens);
  void MergeDuplicates(uint32_t g);
  uint32_t NewGroup(const std::vector<LogToken>& tokens, uint64_t route);
  TemplateId NewTemplate(uint32_t g, const std::vector<LogToken>& tokens, std::string_view message,
                         TimeMs ts);
  void EvictIfFull();
  void DropTemplate(TemplateId id);
  void Touch(Template& t, TimeMs ts);
  void FillParams(const Template& t, const std::vector<LogToken>& tokens);
  std::string Render(const Template& t) const;
  TemplateInfo InfoOf(TemplateId id, const Template& t) const;
  void InvalidateCache() { cache_.clear(); }

  TemplateMinerConfig config_;
  std::vector<Group> groups_;
  std::vector<uint32_t> free_groups_;
  std::unordered_map<uint64_t, std::vector<uint32_t>> routes_;
  std::unordered_map<TemplateId, Template> templates_;
  std::unordered_map<TemplateId, TemplateId> merged_into_;
  TemplateId next_id_ = 1;
  MinerStats stats_;
  // Memo of shape -> template. It is cleared on every change to groups or templates, so a hit
  // returns exactly what the full search would.
  std::unordered_map<uint64_t, TemplateId> cache_;
  std::vector<LogToken> tokens_;
  LineMatch match_;
};

}  // namespace hostmind
