#pragma once
// PrecursorLearner: learns which signals (a log template, a burst of one) preceded failures
// (an OOM kill, a unit failing, a disk error) and warns when such a signal recurs.
//
// Signals arrive as episodes: a signal's occurrences closer than `window` to each other form
// one episode. When a failure of some kind happens, every signal with an episode in the
// preceding `window` is credited with it, with the lead time from the episode's start to the
// failure. A signal becomes a precursor of a kind once it has preceded at least `min_support`
// failures of that kind and at least `min_confidence` of its finished episodes were followed
// by one; from then on, the start of each new episode of the signal yields a warning with the
// learned lead time. Pure: time is the caller's; memory is bounded by `max_signals` tracked
// signals (the least recently seen are forgotten).
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/clock.h"
#include "core/status.h"

namespace hostmind {

struct PrecursorConfig {
  TimeMs window = 30 * kMsPerMinute;
  uint32_t min_support = 2;
  double min_confidence = 0.5;
  uint32_t max_signals = 4096;
};

struct PrecursorWarning {
  uint64_t signal = 0;
  std::string failure;       // the kind that is expected
  uint32_t preceded = 0;     // failures of that kind the signal preceded
  uint32_t episodes = 0;     // finished episodes of the signal
  double confidence = 0;     // preceded / episodes
  TimeMs median_lead = 0;    // from the signal's start to the failure
  TimeMs min_lead = 0;
};

class PrecursorLearner {
 public:
  explicit PrecursorLearner(PrecursorConfig config = {}) : config_(config) {}

  // One occurrence of `signal` at `ts` (non-decreasing). Returns the warnings this occurrence
  // raises: only the first occurrence of an episode can raise any.
  std::vector<PrecursorWarning> ObserveSignal(uint64_t signal, TimeMs ts);
  // A failure of kind `failure` at `ts`: credits the signals active in the preceding window.
  void ObserveFailure(const std::string& failure, TimeMs ts);

  // What is learned so far about `signal` preceding `failure` (confidence 0 when nothing).
  PrecursorWarning Stats(uint64_t signal, const std::string& failure) const;
  size_t signals() const { return signals_.size(); }
  const PrecursorConfig& config() const { return config_; }

  std::string Save() const;
  static Result<PrecursorLearner> Load(std::string_view bytes);

 private:
  static constexpr size_t kMaxLeads = 16;  // lead times kept per (signal, failure)
  struct Credit {
    uint32_t preceded = 0;
    std::vector<TimeMs> leads;  // the most recent kMaxLeads
  };
  struct Signal {
    TimeMs episode_start = 0;
    TimeMs last_seen = 0;
    uint32_t episodes = 0;                 // started, the current one included
    std::vector<std::string> credited;     // failure kinds already credited in this episode
    std::map<std::string, Credit> credits;
  };
  PrecursorWarning Summarize(uint64_t id, const Signal& s, const std::string& failure) const;
  void ForgetOldest();

  PrecursorConfig config_;
  std::unordered_map<uint64_t, Signal> signals_;
};

}  // namespace hostmind
