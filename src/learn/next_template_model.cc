#include "learn/next_template_model.h"

#include <algorithm>

#include "learn/byte_codec.h"

namespace hostmind {
namespace {
constexpr std::string_view kMagic = "HMNT1";

// The template `back` steps before the end of `history`, start markers before its beginning.
TemplateId At(std::span<const TemplateId> history, size_t back) {
  return back < history.size() ? history[history.size() - 1 - back] : kSessionStart;
}
}  // namespace

uint64_t NextTemplateModel::ContextKey(std::span<const TemplateId> history, uint32_t len) const {
  uint64_t h = 0x243f6a8885a308d3ULL + len;
  for (uint32_t i = 0; i < len; ++i) {
    h ^= At(history, i) + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
    h *= 0xff51afd7ed558ccdULL;
  }
  return h;
}

void NextTemplateModel::Learn(std::span<const TemplateId> history, TemplateId next) {
  for (uint32_t len = 0; len <= config_.order; ++len) {
    uint64_t key = ContextKey(history, len);
    auto it = contexts_.find(key);
    if (it == contexts_.end()) {
      if (contexts_.size() >= config_.max_contexts) {
        ++dropped_;
        continue;
      }
      it = contexts_.emplace(key, Followers{}).first;
    }
    Followers& f = it->second;
    ++f.total;
    auto c = std::lower_bound(f.counts.begin(), f.counts.end(), next,
                              [](const auto& p, TemplateId id) { return p.first < id; });
    if (c != f.counts.end() && c->first == next) ++c->second;
    else f.counts.insert(c, {next, 1});
  }
}

NextTemplateVerdict NextTemplateModel::Check(std::span<const TemplateId> history, TemplateId next) const {
  NextTemplateVerdict v;
  for (int64_t len = config_.order; len >= 0; --len) {
    auto it = contexts_.find(ContextKey(history, static_cast<uint32_t>(len)));
    if (it == contexts_.end()) continue;
    const Followers& f = it->second;
    v.context_len = static_cast<uint32_t>(len);
    uint64_t mine = 0;
    for (const auto& [id, count] : f.counts)
      if (id == next) mine = count;
    if (mine == 0) {
      v.expected = false;
      return v;
    }
    // Rank: 1 + followers strictly more frequent (ties share the better rank).
    uint32_t rank = 1;
    for (const auto& [id, count] : f.counts) rank += count > mine;
    v.rank = rank;
    v.probability = static_cast<double>(mine) / static_cast<double>(f.total);
    v.expected = rank <= config_.top_k;
    return v;
  }
  v.expected = false;  // an empty model expects nothing
  return v;
}

uint64_t NextTemplateModel::Support(std::span<const TemplateId> history, uint32_t len) const {
  auto it = contexts_.find(ContextKey(history, len));
  return it == contexts_.end() ? 0 : it->second.total;
}

void NextTemplateModel::LearnSession(std::span<const TemplateId> session) {
  for (size_t i = 0; i <= session.size(); ++i)
    Learn(session.subspan(0, i), i < session.size() ? session[i] : kSessionEnd);
}

int64_t NextTemplateModel::FirstUnexpected(std::span<const TemplateId> session) const {
  for (size_t i = 0; i <= session.size(); ++i)
    if (!Check(session.subspan(0, i), i < session.size() ? session[i] : kSessionEnd).expected)
      return static_cast<int64_t>(i);
  return -1;
}

std::string NextTemplateModel::Save() const {
  ByteWriter w;
  w.PutRaw(kMagic);
  w.PutVarint(config_.order);
  w.PutVarint(config_.top_k);
  w.PutVarint(config_.max_contexts);
  w.PutVarint(dropped_);
  std::vector<uint64_t> keys;
  for (const auto& kv : contexts_) keys.push_back(kv.first);
  std::sort(keys.begin(), keys.end());
  w.PutVarint(keys.size());
  for (uint64_t key : keys) {
    const Followers& f = contexts_.at(key);
    w.PutFixed64(key);
    w.PutVarint(f.counts.size());
    for (const auto& [id, count] : f.counts) {
      w.PutVarint(id);
      w.PutVarint(count);
    }
  }
  return w.Take();
}

Result<NextTemplateModel> NextTemplateModel::Load(std::string_view bytes) {
  ByteReader r(bytes);
  auto corrupt = [](const char* what) { return Status::Corrupt(std::string("next-template model state: bad ") + what); };
  if (!r.Expect(kMagic)) return corrupt("magic");
  uint64_t order, top_k, max_contexts, n;
  NextTemplateModel m;
  if (!r.GetBounded(64, &order) || !r.GetBounded(UINT32_MAX, &top_k) || !r.GetBounded(UINT32_MAX, &max_contexts) ||
      !r.GetVarint(&m.dropped_))
    return corrupt("config");
  m.config_ = {static_cast<uint32_t>(order), static_cast<uint32_t>(top_k), static_cast<uint32_t>(max_contexts)};
  if (!r.GetBounded(std::min<uint64_t>(max_contexts, r.remaining()), &n)) return corrupt("context count");
  for (uint64_t k = 0; k < n; ++k) {
    uint64_t key, followers;
    if (!r.GetFixed64(&key) || !r.GetBounded(r.remaining(), &followers)) return corrupt("context");
    Followers f;
    TemplateId last = 0;
    for (uint64_t j = 0; j < followers; ++j) {
      uint64_t id, count;
      if (!r.GetBounded(UINT32_MAX, &id) || !r.GetVarint(&count) || count == 0 || (j > 0 && id <= last))
        return corrupt("follower");
      last = static_cast<TemplateId>(id);
      f.counts.emplace_back(last, count);
      f.total += count;
    }
    m.contexts_.emplace(key, std::move(f));
  }
  if (!r.done()) return corrupt("trailing bytes");
  return m;
}

}  // namespace hostmind
