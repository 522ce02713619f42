#include "learn/session_profile.h"

#include <algorithm>

#include "learn/byte_codec.h"

namespace hostmind {
namespace {
constexpr std::string_view kMagic = "HMSP1";
}

std::map<TemplateId, uint32_t> SessionProfile::Counts(std::span<const TemplateId> session) {
  std::map<TemplateId, uint32_t> counts;
  for (TemplateId id : session) ++counts[id];
  return counts;
}

void SessionProfile::Learn(std::span<const TemplateId> session) {
  const auto counts = Counts(session);
  // Refine the invariant classes: two templates stay in one class only while their counts have
  // been equal in every session. A template seen for the first time had count 0 in all earlier
  // sessions, like no known template (each was seen once), so it starts a class of its own with
  // the other newcomers of equal count.
  // The first count met in a class keeps the class id, so ids only grow when a class splits.
  std::map<std::pair<uint32_t, uint32_t>, uint32_t> split;  // (old class, count) -> class
  std::map<uint32_t, bool> kept;                              // old classes whose id is taken
  for (auto& [id, r] : ranges_) {
    auto c = counts.find(id);
    uint32_t n = c == counts.end() ? 0 : c->second;
    auto [it, fresh] = split.emplace(std::make_pair(r.invariant_class, n), 0);
    if (fresh) it->second = kept[r.invariant_class] ? next_class_++ : r.invariant_class;
    kept[r.invariant_class] = true;
    r.invariant_class = it->second;
    r.min = std::min(r.min, n);
    r.max = std::max(r.max, n);
  }
  std::map<uint32_t, uint32_t> newcomers;  // count -> class
  for (const auto& [id, n] : counts) {
    if (ranges_.count(id) || ranges_.size() >= max_templates_) continue;
    auto [it, fresh] = newcomers.emplace(n, 0);
    if (fresh) it->second = next_class_++;
    Range r;
    r.min = sessions_ > 0 ? 0 : n;
    r.max = n;
    r.invariant_class = it->second;
    ranges_.emplace(id, r);
  }
  ++sessions_;
}

std::vector<SessionViolation> SessionProfile::Check(std::span<const TemplateId> session) const {
  const auto counts = Counts(session);
  std::vector<SessionViolation> out;
  std::map<uint32_t, std::pair<TemplateId, uint32_t>> class_first;  // class -> (id, count)
  for (const auto& [id, n] : counts)
    if (!ranges_.count(id)) out.push_back({id, n, 0, 0});
  std::vector<SessionViolation> broken;
  for (const auto& [id, r] : ranges_) {
    auto c = counts.find(id);
    uint32_t n = c == counts.end() ? 0 : c->second;
    if (n < r.min || n > r.max) out.push_back({id, n, r.min, r.max});
    auto [first, fresh] = class_first.emplace(r.invariant_class, std::make_pair(id, n));
    if (!fresh && first->second.second != n)
      broken.push_back({id, n, r.min, r.max, first->second.first, first->second.second});
  }
  out.insert(out.end(), broken.begin(), broken.end());
  return out;
}

std::string SessionProfile::Save() const {
  ByteWriter w;
  w.PutRaw(kMagic);
  w.PutVarint(max_templates_);
  w.PutVarint(sessions_);
  w.PutVarint(next_class_);
  w.PutVarint(ranges_.size());
  for (const auto& [id, r] : ranges_) {
    w.PutVarint(id);
    w.PutVarint(r.min);
    w.PutVarint(r.max);
    w.PutVarint(r.invariant_class);
  }
  return w.Take();
}

Result<SessionProfile> SessionProfile::Load(std::string_view bytes) {
  ByteReader r(bytes);
  auto corrupt = [](const char* what) { return Status::Corrupt(std::string("session profile state: bad ") + what); };
  if (!r.Expect(kMagic)) return corrupt("magic");
  uint64_t max_templates, next_class, n;
  SessionProfile p;
  if (!r.GetBounded(UINT32_MAX, &max_templates) || !r.GetVarint(&p.sessions_) ||
      !r.GetBounded(UINT32_MAX, &next_class) || !r.GetBounded(std::min<uint64_t>(max_templates, r.remaining()), &n))
    return corrupt("header");
  p.max_templates_ = static_cast<uint32_t>(max_templates);
  p.next_class_ = static_cast<uint32_t>(next_class);
  for (uint64_t k = 0; k < n; ++k) {
    uint64_t id, min, max, cls;
    if (!r.GetBounded(UINT32_MAX, &id) || !r.GetBounded(UINT32_MAX, &min) || !r.GetBounded(UINT32_MAX, &max) ||
        !r.GetBounded(next_class, &cls) || min > max)
      return corrupt("range");
    p.ranges_[static_cast<TemplateId>(id)] = {static_cast<uint32_t>(min), static_cast<uint32_t>(max),
                                              static_cast<uint32_t>(cls)};
  }
  if (!r.done()) return corrupt("trailing bytes");
  return p;
}

}  // namespace hostmind
