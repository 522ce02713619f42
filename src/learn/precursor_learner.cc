#include "learn/precursor_learner.h"

#include <algorithm>

#include "learn/byte_codec.h"

namespace hostmind {
namespace {
constexpr std::string_view kMagic = "HMPL1";
}

std::vector<PrecursorWarning> PrecursorLearner::ObserveSignal(uint64_t signal, TimeMs ts) {
  std::vector<PrecursorWarning> warnings;
  auto [it, fresh] = signals_.try_emplace(signal);
  Signal& s = it->second;
  bool new_episode = fresh || ts - s.last_seen >= config_.window;
  s.last_seen = std::max(s.last_seen, ts);
  if (!new_episode) return warnings;
  // Warn on the knowledge of finished episodes, before this one counts.
  for (const auto& [failure, credit] : s.credits) {
    PrecursorWarning w = Summarize(signal, s, failure);
    if (w.preceded >= config_.min_support && w.confidence >= config_.min_confidence) warnings.push_back(w);
  }
  s.episode_start = ts;
  s.credited.clear();
  ++s.episodes;
  if (fresh && signals_.size() > config_.max_signals) ForgetOldest();
  return warnings;
}

void PrecursorLearner::ObserveFailure(const std::string& failure, TimeMs ts) {
  for (auto& [id, s] : signals_) {
    if (s.episodes == 0 || ts - s.last_seen >= config_.window || ts < s.episode_start) continue;
    if (std::find(s.credited.begin(), s.credited.end(), failure) != s.credited.end()) continue;
    s.credited.push_back(failure);
    Credit& c = s.credits[failure];
    ++c.preceded;
    c.leads.push_back(ts - s.episode_start);
    if (c.leads.size() > kMaxLeads) c.leads.erase(c.leads.begin());
  }
}

PrecursorWarning PrecursorLearner::Summarize(uint64_t id, const Signal& s, const std::string& failure) const {
  PrecursorWarning w;
  w.signal = id;
  w.failure = failure;
  auto it = s.credits.find(failure);
  if (it == s.credits.end()) return w;
  const Credit& c = it->second;
  w.preceded = c.preceded;
  // Episodes that are over; the current one counts once it has been credited.
  bool current_credited = std::find(s.credited.begin(), s.credited.end(), failure) != s.credited.end();
  w.episodes = s.episodes == 0 ? 0 : s.episodes - 1 + (current_credited ? 1 : 0);
  w.confidence = w.episodes ? std::min(1.0, static_cast<double>(c.preceded) / w.episodes) : 0;
  std::vector<TimeMs> leads = c.leads;
  if (!leads.empty()) {
    std::sort(leads.begin(), leads.end());
    w.median_lead = leads[leads.size() / 2];
    w.min_lead = leads.front();
  }
  return w;
}

PrecursorWarning PrecursorLearner::Stats(uint64_t signal, const std::string& failure) const {
  auto it = signals_.find(signal);
  if (it == signals_.end()) {
    PrecursorWarning w;
    w.signal = signal;
    w.failure = failure;
    return w;
  }
  return Summarize(signal, it->second, failure);
}

void PrecursorLearner::ForgetOldest() {
  // Forget the least recently seen tenth (ties by id, so the choice is deterministic).
  std::vector<std::pair<TimeMs, uint64_t>> by_age;
  for (const auto& [id, s] : signals_) by_age.emplace_back(s.last_seen, id);
  size_t n = std::max<size_t>(1, signals_.size() / 10);
  std::nth_element(by_age.begin(), by_age.begin() + n, by_age.end());
  for (size_t i = 0; i < n; ++i) signals_.erase(by_age[i].second);
}

std::string PrecursorLearner::Save() const {
  ByteWriter w;
  w.PutRaw(kMagic);
  w.PutSignedVarint(config_.window);
  w.PutVarint(config_.min_support);
  w.PutDouble(config_.min_confidence);
  w.PutVarint(config_.max_signals);
  std::vector<uint64_t> ids;
  for (const auto& kv : signals_) ids.push_back(kv.first);
  std::sort(ids.begin(), ids.end());
  w.PutVarint(ids.size());
  for (uint64_t id : ids) {
    const Signal& s = signals_.at(id);
    w.PutFixed64(id);
    w.PutSignedVarint(s.episode_start);
    w.PutSignedVarint(s.last_seen);
    w.PutVarint(s.episodes);
    w.PutVarint(s.credited.size());
    for (const std::string& f : s.credited) w.PutString(f);
    w.PutVarint(s.credits.size());
    for (const auto& [failure, c] : s.credits) {
      w.PutString(failure);
      w.PutVarint(c.preceded);
      w.PutVarint(c.leads.size());
      for (TimeMs lead : c.leads) w.PutSignedVarint(lead);
    }
  }
  return w.Take();
}

Result<PrecursorLearner> PrecursorLearner::Load(std::string_view bytes) {
  ByteReader r(bytes);
  auto corrupt = [](const char* what) { return Status::Corrupt(std::string("precursor state: bad ") + what); };
  if (!r.Expect(kMagic)) return corrupt("magic");
  PrecursorConfig c;
  uint64_t support, max_signals, n;
  if (!r.GetSignedVarint(&c.window) || !r.GetBounded(UINT32_MAX, &support) || !r.GetDouble(&c.min_confidence) ||
      !r.GetBounded(UINT32_MAX, &max_signals) || !r.GetBounded(r.remaining(), &n))
    return corrupt("header");
  c.min_support = static_cast<uint32_t>(support);
  c.max_signals = static_cast<uint32_t>(max_signals);
  PrecursorLearner p(c);
  for (uint64_t k = 0; k < n; ++k) {
    uint64_t id, episodes, n_credited, n_credits;
    Signal s;
    if (!r.GetFixed64(&id) || !r.GetSignedVarint(&s.episode_start) || !r.GetSignedVarint(&s.last_seen) ||
        !r.GetBounded(UINT32_MAX, &episodes) || !r.GetBounded(r.remaining(), &n_credited))
      return corrupt("signal");
    s.episodes = static_cast<uint32_t>(episodes);
    for (uint64_t j = 0; j < n_credited; ++j) {
      std::string f;
      if (!r.GetString(&f)) return corrupt("credited kind");
      s.credited.push_back(std::move(f));
    }
    if (!r.GetBounded(r.remaining(), &n_credits)) return corrupt("credits");
    for (uint64_t j = 0; j < n_credits; ++j) {
      std::string failure;
      uint64_t preceded, n_leads;
      Credit credit;
      if (!r.GetString(&failure) || !r.GetBounded(UINT32_MAX, &preceded) || !r.GetBounded(kMaxLeads, &n_leads))
        return corrupt("credit");
      credit.preceded = static_cast<uint32_t>(preceded);
      for (uint64_t l = 0; l < n_leads; ++l) {
        TimeMs lead;
        if (!r.GetSignedVarint(&lead)) return corrupt("lead time");
        credit.leads.push_back(lead);
      }
      s.credits.emplace(std::move(failure), std::move(credit));
    }
    p.signals_.emplace(id, std::move(s));
  }
  if (!r.done()) return corrupt("trailing bytes");
  return p;
}

}  // namespace hostmind
