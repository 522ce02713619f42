#include "learn/template_miner.h"

#include <algorithm>

namespace hostmind {
namespace {

constexpr uint64_t kVariableKey = 0x5bd1e9955bd1e995ULL;

inline uint64_t Combine(uint64_t h, uint64_t v) {
  h ^= v + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
  return h;
}

inline uint64_t TokenKey(const LogToken& t) { return t.variable ? kVariableKey : t.hash; }

}  // namespace

TemplateMiner::TemplateMiner(TemplateMinerConfig config) : config_(config) {
  config_.variable_after = std::clamp<uint32_t>(config_.variable_after, 1, kAny - 1);
  config_.max_templates = std::max<uint32_t>(config_.max_templates, 1);
  config_.max_tokens = std::max<uint32_t>(config_.max_tokens, 1);
}

uint64_t TemplateMiner::RouteOf(const std::vector<LogToken>& tokens) const {
  uint64_t h = Combine(0x1234567ULL, tokens.size());
  if (!tokens.empty()) h = Combine(h, TokenKey(tokens[0]));
  return h;
}

uint64_t TemplateMiner::ShapeOf(const std::vector<LogToken>& tokens) {
  uint64_t h = Combine(0x7654321ULL, tokens.size());
  for (const LogToken& t : tokens) h = Combine(h, TokenKey(t));
  return h;
}

const LineMatch& TemplateMiner::Add(std::string_view message, TimeMs ts) {
  ++stats_.lines;
  TokenizeLogLine(message, config_.max_tokens, tokens_);
  match_.is_new = false;
  const uint64_t shape = ShapeOf(tokens_);
  if (auto it = cache_.find(shape); it != cache_.end()) {
    auto t = templates_.find(it->second);
    if (t != templates_.end() && Fits(t->second, tokens_)) {
      Touch(t->second, ts);
      match_.id = it->second;
      FillParams(t->second, tokens_);
      return match_;
    }
  }

  const uint64_t route = RouteOf(tokens_);
  int64_t best = BestGroup(tokens_, route);
  uint32_t g;
  if (best < 0) {
    g = NewGroup(tokens_, route);
  } else {
    g = static_cast<uint32_t>(best);
    Absorb(g, tokens_);
  }
  TemplateId id = FindInGroup(g, tokens_);
  if (id == kNoTemplate) {
    id = NewTemplate(g, tokens_, message, ts);
    match_.is_new = true;
  }
  Template& t = templates_.at(id);
  Touch(t, ts);
  match_.id = id;
  FillParams(t, tokens_);
  if (cache_.size() >= 4 * static_cast<size_t>(config_.max_templates) + 1024) InvalidateCache();
  cache_.emplace(shape, id);
  if (match_.is_new) EvictIfFull();
  return match_;
}

TemplateId TemplateMiner::Match(std::string_view message) const {
  std::vector<LogToken> tokens;
  TokenizeLogLine(message, config_.max_tokens, tokens);
  int64_t best = BestGroup(tokens, RouteOf(tokens));
  if (best < 0) return kNoTemplate;
  for (TemplateId id : groups_[best].templates)
    if (Fits(templates_.at(id), tokens)) return id;
  return kNoTemplate;
}

int64_t TemplateMiner::BestGroup(const std::vector<LogToken>& tokens, uint64_t route) const {
  auto it = routes_.find(route);
  if (it == routes_.end()) return -1;
  const size_t n = tokens.size();
  int64_t best = -1;
  size_t best_words = 0;
  bool best_fits = false;
  for (uint32_t g : it->second) {
    const Group& group = groups_[g];
    if (group.slots.size() != n) continue;  // a route-hash collision
    size_t words = 0, variables = 0;
    for (size_t i = 0; i < n; ++i) {
      const Slot& s = group.slots[i];
      if (s.variable) {
        ++variables;
      } else if (!tokens[i].variable &&
                 std::find(s.hashes.begin(), s.hashes.end(), tokens[i].hash) != s.hashes.end()) {
        ++words;
      }
    }
    bool fits = words + variables == n;
    // Best: fits whole, then most words in common, then the lowest index (an order that a
    // save and load keeps, unlike the order of the route's list).
    bool better = best < 0 || (fits != best_fits ? fits
                                                 : words != best_words ? words > best_words : g < best);
    if (better) {
      best = g;
      best_words = words;
      best_fits = fits;
    }
  }
  if (best < 0 || best_fits || n == 0) return best;
  // Similarity counts the group's word positions only: a message made mostly of values still
  // joins when its words agree.
  size_t word_slots = 0;
  for (const Slot& s : groups_[best].slots) word_slots += !s.variable;
  return static_cast<double>(best_words) >= config_.similarity * static_cast<double>(word_slots) ? best : -1;
}

bool TemplateMiner::Fits(const Template& t, const std::vector<LogToken>& tokens) const {
  const Group& group = groups_[t.group];
  if (group.slots.size() != tokens.size()) return false;
  for (size_t i = 0; i < tokens.size(); ++i) {
    if (t.choice[i] == kAny) continue;
    if (tokens[i].variable || tokens[i].hash != group.slots[i].hashes[t.choice[i]]) return false;
  }
  return true;
}

TemplateId TemplateMiner::FindInGroup(uint32_t g, const std::vector<LogToken>& tokens) const {
  for (TemplateId id : groups_[g].templates)
    if (Fits(templates_.at(id), tokens)) return id;
  return kNoTemplate;
}

void TemplateMiner::Absorb(uint32_t g, const std::vector<LogToken>& tokens) {
  Group& group = groups_[g];
  bool turned_variable = false, widened = false;
  for (size_t i = 0; i < tokens.size(); ++i) {
    Slot& s = group.slots[i];
    if (s.variable) continue;
    if (!tokens[i].variable && std::find(s.hashes.begin(), s.hashes.end(), tokens[i].hash) != s.hashes.end())
      continue;
    widened = true;
    if (tokens[i].variable || s.hashes.size() + 1 >= config_.variable_after) {
      s.variable = true;
      s.hashes.clear();
      s.words.clear();
      turned_variable = true;
      for (TemplateId id : group.templates) templates_.at(id).choice[i] = kAny;
    } else {
      s.hashes.push_back(tokens[i].hash);
      s.words.push_back(WordOf(tokens[i].text));
    }
  }
  if (turned_variable) MergeDuplicates(g);
  if (widened) InvalidateCache();
}

void TemplateMiner::MergeDuplicates(uint32_t g) {
  std::vector<TemplateId>& ids = groups_[g].templates;
  std::sort(ids.begin(), ids.end());  // the oldest template survives
  std::vector<TemplateId> kept;
  for (TemplateId id : ids) {
    Template& t = templates_.at(id);
    auto same = std::find_if(kept.begin(), kept.end(),
                             [&](TemplateId k) { return templates_.at(k).choice == t.choice; });
    if (same == kept.end()) {
      kept.push_back(id);
      continue;
    }
    Template& into = templates_.at(*same);
    into.count += t.count;
    into.last_tick = std::max(into.last_tick, t.last_tick);
    into.first_seen = std::min(into.first_seen, t.first_seen);
    into.last_seen = std::max(into.last_seen, t.last_seen);
    merged_into_[id] = *same;
    templates_.erase(id);
    ++stats_.merged;
  }
  ids = std::move(kept);
}

uint32_t TemplateMiner::NewGroup(const std::vector<LogToken>& tokens, uint64_t route) {
  uint32_t g;
  if (!free_groups_.empty()) {
    g = free_groups_.back();
    free_groups_.pop_back();
  } else {
    g = static_cast<uint32_t>(groups_.size());
    groups_.emplace_back();
  }
  Group& group = groups_[g];
  group.alive = true;
  group.route = route;
  group.templates.clear();
  group.slots.assign(tokens.size(), Slot{});
  for (size_t i = 0; i < tokens.size(); ++i) {
    if (tokens[i].variable) {
      group.slots[i].variable = true;
    } else {
      group.slots[i].hashes.push_back(tokens[i].hash);
      group.slots[i].words.push_back(WordOf(tokens[i].text));
    }
  }
  routes_[route].push_back(g);
  InvalidateCache();
  return g;
}

TemplateId TemplateMiner::NewTemplate(uint32_t g, const std::vector<LogToken>& tokens,
                                      std::string_view message, TimeMs ts) {
  const Group& group = groups_[g];
  Template t;
  t.group = g;
  t.choice.resize(tokens.size());
  for (size_t i = 0; i < tokens.size(); ++i) {
    const Slot& s = group.slots[i];
    t.choice[i] = s.variable ? kAny
                             : static_cast<uint8_t>(std::find(s.hashes.begin(), s.hashes.end(), tokens[i].hash) -
                                                    s.hashes.begin());
  }
  t.first_seen = ts;
  t.example.assign(message.substr(0, config_.max_example_bytes));
  TemplateId id = next_id_++;
  if (next_id_ == kNoTemplate) next_id_ = 1;  // wrapped after 4e9 templates
  templates_.emplace(id, std::move(t));
  groups_[g].templates.push_back(id);
  ++stats_.created;
  InvalidateCache();
  return id;
}

void TemplateMiner::Touch(Template& t, TimeMs ts) {
  ++t.count;
  t.last_tick = stats_.lines;
  t.last_seen = std::max(t.last_seen, ts);
}

void TemplateMiner::FillParams(const Template& t, const std::vector<LogToken>& tokens) {
  match_.params.clear();
  for (size_t i = 0; i < tokens.size(); ++i)
    if (t.choice[i] == kAny) match_.params.push_back(tokens[i].text);
}

std::string TemplateMiner::Render(const Template& t) const {
  const Group& group = groups_[t.group];
  std::string out;
  for (size_t i = 0; i < t.choice.size(); ++i) {
    if (i) out.push_back(' ');
    if (t.choice[i] == kAny) out += "<*>";
    else out += group.slots[i].words[t.choice[i]];
  }
  return out;
}

}  // namespace hostmind
