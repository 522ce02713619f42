// TemplateMiner: what it offers to readers (Resolve, Info, Templates), eviction, and the
// saved-state format.
#include <algorithm>

#include "learn/byte_codec.h"
#include "learn/template_miner.h"

namespace hostmind {
namespace {
constexpr std::string_view kMagic = "HMTM1";
}

TemplateId TemplateMiner::Resolve(TemplateId id) const {
  // Chains are short: each link is one merge, and merges only go to older templates.
  for (;;) {
    if (templates_.count(id)) return id;
    auto it = merged_into_.find(id);
    if (it == merged_into_.end()) return kNoTemplate;
    id = it->second;
  }
}

TemplateInfo TemplateMiner::InfoOf(TemplateId id, const Template& t) const {
  return TemplateInfo{id, Render(t), t.example, t.count, t.first_seen, t.last_seen};
}

std::optional<TemplateInfo> TemplateMiner::Info(TemplateId id) const {
  auto it = templates_.find(id);
  if (it == templates_.end()) return std::nullopt;
  return InfoOf(id, it->second);
}

std::vector<TemplateInfo> TemplateMiner::Templates() const {
  std::vector<TemplateInfo> out;
  out.reserve(templates_.size());
  for (const auto& [id, t] : templates_) out.push_back(InfoOf(id, t));
  std::sort(out.begin(), out.end(), [](const TemplateInfo& a, const TemplateInfo& b) { return a.id < b.id; });
  return out;
}

MinerStats TemplateMiner::stats() const {
  MinerStats s = stats_;
  s.templates = templates_.size();
  s.groups = groups_.size() - free_groups_.size();
  return s;
}

void TemplateMiner::EvictIfFull() {
  if (templates_.size() <= config_.max_templates) return;
  // Evict the least recently seen tenth at once, so a full miner does not scan on every line.
  std::vector<std::pair<uint64_t, TemplateId>> by_age;
  by_age.reserve(templates_.size());
  for (const auto& [id, t] : templates_) by_age.emplace_back(t.last_tick, id);
  size_t excess = templates_.size() - config_.max_templates;
  size_t n = std::min(by_age.size() - 1, std::max<size_t>(excess, config_.max_templates / 10));
  std::nth_element(by_age.begin(), by_age.begin() + n, by_age.end());
  for (size_t i = 0; i < n; ++i) DropTemplate(by_age[i].second);
  std::erase_if(merged_into_, [&](const auto& kv) { return Resolve(kv.second) == kNoTemplate; });
  InvalidateCache();
}

void TemplateMiner::DropTemplate(TemplateId id) {
  auto it = templates_.find(id);
  if (it == templates_.end()) return;
  uint32_t g = it->second.group;
  templates_.erase(it);
  ++stats_.evicted;
  Group& group = groups_[g];
  std::erase(group.templates, id);
  if (!group.templates.empty()) return;
  auto route = routes_.find(group.route);
  if (route != routes_.end()) {
    std::erase(route->second, g);
    if (route->second.empty()) routes_.erase(route);
  }
  group = Group{};
  free_groups_.push_back(g);
}

std::string TemplateMiner::Save() const {
  ByteWriter w;
  w.PutRaw(kMagic);
  w.PutDouble(config_.similarity);
  w.PutVarint(config_.variable_after);
  w.PutVarint(config_.max_templates);
  w.PutVarint(config_.max_tokens);
  w.PutVarint(config_.max_example_bytes);
  w.PutVarint(next_id_);
  for (uint64_t v : {stats_.lines, stats_.created, stats_.merged, stats_.evicted}) w.PutVarint(v);

  // Alive groups only, renumbered densely; templates refer to the new numbers.
  std::vector<uint32_t> renumber(groups_.size(), 0);
  uint32_t alive = 0;
  for (size_t g = 0; g < groups_.size(); ++g)
    if (groups_[g].alive) renumber[g] = alive++;
  w.PutVarint(alive);
  for (const Group& group : groups_) {
    if (!group.alive) continue;
    w.PutFixed64(group.route);
    w.PutVarint(group.slots.size());
    for (const Slot& s : group.slots) {
      w.PutVarint(s.variable ? 0 : s.words.size() + 1);
      for (const std::string& word : s.words) w.PutString(word);
    }
  }
  std::vector<TemplateId> ids;
  for (const auto& kv : templates_) ids.push_back(kv.first);
  std::sort(ids.begin(), ids.end());
  w.PutVarint(ids.size());
  for (TemplateId id : ids) {
    const Template& t = templates_.at(id);
    w.PutVarint(id);
    w.PutVarint(renumber[t.group]);
    for (uint8_t c : t.choice) w.PutVarint(c);
    w.PutVarint(t.count);
    w.PutVarint(t.last_tick);
    w.PutSignedVarint(t.first_seen);
    w.PutSignedVarint(t.last_seen);
    w.PutString(t.example);
  }
  std::vector<std::pair<TemplateId, TemplateId>> merges(merged_into_.begin(), merged_into_.end());
  std::sort(merges.begin(), merges.end());
  w.PutVarint(merges.size());
  for (const auto& [from, to] : merges) {
    w.PutVarint(from);
    w.PutVarint(to);
  }
  return w.Take();
}

Result<TemplateMiner> TemplateMiner::Load(std::string_view bytes) {
  ByteReader r(bytes);
  auto corrupt = [](const char* what) { return Status::Corrupt(std::string("template miner state: bad ") + what); };
  if (!r.Expect(kMagic)) return corrupt("magic (not a template miner state, or another version)");
  TemplateMinerConfig c;
  uint64_t v[5];
  if (!r.GetDouble(&c.similarity) || !r.GetBounded(kAny - 1, &v[0]) || !r.GetBounded(UINT32_MAX, &v[1]) ||
      !r.GetBounded(UINT32_MAX, &v[2]) || !r.GetBounded(UINT32_MAX, &v[3]))
    return corrupt("config");
  c.variable_after = static_cast<uint32_t>(v[0]);
  c.max_templates = static_cast<uint32_t>(v[1]);
  c.max_tokens = static_cast<uint32_t>(v[2]);
  c.max_example_bytes = static_cast<uint32_t>(v[3]);
  TemplateMiner m(c);
  uint64_t next_id;
  if (!r.GetBounded(UINT32_MAX, &next_id) || next_id == 0) return corrupt("next id");
  m.next_id_ = static_cast<TemplateId>(next_id);
  if (!r.GetVarint(&m.stats_.lines) || !r.GetVarint(&m.stats_.created) || !r.GetVarint(&m.stats_.merged) ||
      !r.GetVarint(&m.stats_.evicted))
    return corrupt("counters");

  uint64_t n_groups;
  if (!r.GetBounded(r.remaining(), &n_groups)) return corrupt("group count");
  m.groups_.resize(n_groups);
  for (uint32_t g = 0; g < n_groups; ++g) {
    Group& group = m.groups_[g];
    uint64_t n_slots;
    if (!r.GetFixed64(&group.route) || !r.GetBounded(c.max_tokens, &n_slots)) return corrupt("group");
    group.alive = true;
    group.slots.resize(n_slots);
    for (Slot& s : group.slots) {
      uint64_t words;
      if (!r.GetBounded(c.variable_after, &words)) return corrupt("slot");
      s.variable = words == 0;
      for (uint64_t k = 1; k < words; ++k) {
        std::string word;
        if (!r.GetString(&word)) return corrupt("word");
        s.hashes.push_back(HashBytes(word));
        s.words.push_back(std::move(word));
      }
      if (!s.variable && s.words.empty()) return corrupt("slot without words");
    }
    m.routes_[group.route].push_back(g);
  }
  uint64_t n_templates;
  if (!r.GetBounded(r.remaining(), &n_templates)) return corrupt("template count");
  for (uint64_t k = 0; k < n_templates; ++k) {
    uint64_t id, g;
    if (!r.GetBounded(UINT32_MAX, &id) || id == kNoTemplate || !r.GetBounded(n_groups ? n_groups - 1 : 0, &g) ||
        n_groups == 0 || m.templates_.count(static_cast<TemplateId>(id)))
      return corrupt("template id");
    Template t;
    t.group = static_cast<uint32_t>(g);
    const Group& group = m.groups_[g];
    for (const Slot& s : group.slots) {
      uint64_t choice;
      if (!r.GetBounded(kAny, &choice)) return corrupt("template choice");
      bool ok = s.variable ? choice == kAny : choice < s.words.size();
      if (!ok) return corrupt("template choice");
      t.choice.push_back(static_cast<uint8_t>(choice));
    }
    if (!r.GetVarint(&t.count) || !r.GetVarint(&t.last_tick) || !r.GetSignedVarint(&t.first_seen) ||
        !r.GetSignedVarint(&t.last_seen) || !r.GetString(&t.example))
      return corrupt("template");
    m.groups_[g].templates.push_back(static_cast<TemplateId>(id));
    m.templates_.emplace(static_cast<TemplateId>(id), std::move(t));
  }
  for (const Group& group : m.groups_)
    if (group.templates.empty()) return corrupt("group without templates");
  uint64_t n_merges;
  if (!r.GetBounded(r.remaining(), &n_merges)) return corrupt("merge count");
  for (uint64_t k = 0; k < n_merges; ++k) {
    uint64_t from, to;
    if (!r.GetBounded(UINT32_MAX, &from) || !r.GetBounded(UINT32_MAX, &to) || to >= from) return corrupt("merge");
    m.merged_into_[static_cast<TemplateId>(from)] = static_cast<TemplateId>(to);
  }
  if (!r.done()) return corrupt("trailing bytes");
  return m;
}

}  // namespace hostmind
