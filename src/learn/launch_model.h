#pragma once
// LaunchModel: which programs follow which. Like preload's Markov chain over running programs,
// but over launches, and with the two relations that predict them on a server: the children a
// program starts (gcc starts cc1, as, collect2 in its first second: by parent), and the programs
// that are launched after one another or at a time of day (cron jobs, a deploy script's steps:
// by time). Probabilities are shares of recent launches (exponentially decayed counts), so the
// model follows a changing host. Pure and bounded: no I/O, no clock; saved and loaded as bytes.
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/clock.h"
#include "core/status.h"

namespace hostmind {

struct LaunchModelLimits {
  size_t max_programs = 1024;
  size_t max_links = 32;                    // children and followers kept per program
  double decay = 0.9;                       // weight a launch keeps per newer launch of its program
  TimeMs follow_horizon_ms = kMsPerMinute;  // "B follows A": B launched within this after A
  size_t max_recent = 64;                   // recent top-level launches a prediction looks back on
  size_t max_daily_times = 32;              // times of day remembered per program (an hourly cron: 24)
  TimeMs daily_tolerance_ms = 5 * kMsPerMinute;  // launches this close in the day are one time
  double day_decay = 0.9;                   // a time of day keeps this much of its weight per day
  // A follower not come by its usual delay plus this is less and less likely to come: its
  // probability then falls by e per this much more (a guess for it would only take the disk
  // from the launches still to come).
  TimeMs overdue_grace_ms = 5 * kMsPerSecond;
};

struct LaunchPrediction {
  std::string key;
  double probability = 0;
  // Expected time to the launch (after the parent's exec, for children). Negative when it is
  // overdue: it usually came sooner after what it follows. Kept signed, not clamped at 0, so
  // that guesses all overdue (delays learnt when launches came faster) still come in the order
  // the launches do: the most overdue is the one due first.
  TimeMs delay_ms = 0;
  std::string why;
};

class LaunchModel {
 public:
  explicit LaunchModel(LaunchModelLimits limits = {}) : limits_(limits) {}

  // A launch of `key` at `ts`. Top-level launches (not started by another traced launch) feed
  // the follow and time-of-day relations; every launch is counted.
  void ObserveLaunch(const std::string& key, TimeMs ts, bool top_level);
  // The programs one launch of `parent` started within its traced window, with their delays
  // after its exec. Called once per launch of `parent`, when its window closes.
  void ObserveChildren(const std::string& parent, const std::vector<std::pair<std::string, TimeMs>>& children);

  // Children expected when `parent` launches, most likely first.
  std::vector<LaunchPrediction> Children(const std::string& parent, double min_probability) const;
  // Top-level launches expected within the follow horizon after `now`, most likely first: from
  // the recent launches they usually follow, and from the times of day they are launched at.
  std::vector<LaunchPrediction> Next(TimeMs now, double min_probability) const;

  size_t programs() const { return programs_.size(); }
  uint64_t launches(const std::string& key) const;

  std::string Save() const;
  // Replaces the state with a saved one; on error the state is left empty.
  Status Load(std::string_view bytes);

 private:
  // How much of a follower's probability is left when it is expected in `delay` (negative:
  // overdue): all of it until overdue_grace_ms late, then e times less per overdue_grace_ms.
  double Lateness(TimeMs delay) const;

  struct Link {
    float weight = 0;      // decayed launches of the source followed by this one
    float delay_ms = 0;    // smoothed delay after the source
  };
  // A time of day the program is launched at (UTC), like a cron schedule's.
  struct DailyTime {
    float minute = 0;  // minute of the day, smoothed
    float weight = 0;  // day-decayed launches at this time
  };
  struct Program {
    uint64_t launches = 0;
    TimeMs last_ts = 0;
    float follow_runs = 0;  // decayed top-level launches (denominator of followers)
    float child_runs = 0;   // decayed launches with a closed window (denominator of children)
    std::map<std::string, Link> followers, children;
    std::vector<DailyTime> daily;
    TimeMs daily_ts = 0;    // when `daily` weights were last decayed
    TimeMs first_ts = 0;    // first launch seen (how many days the weights span)
  };
  struct Recent {
    std::string key;
    TimeMs ts = 0;
    std::vector<std::string> followed;  // followers already counted for this launch
  };

  void DecayDaily(Program& p, TimeMs now) const;
  void LearnDailyTime(Program& p, TimeMs ts) const;
  // Share of recent days with a launch at daily time `d`, as seen from `now`.
  double DailyProbability(const Program& p, const DailyTime& d, TimeMs now) const;
  void Bound(std::map<std::string, Link>& links) const;
  static void AddLink(std::map<std::string, Link>& links, const std::string& key, TimeMs delay);
  void Evict();

  LaunchModelLimits limits_;
  std::unordered_map<std::string, Program> programs_;
  std::vector<Recent> recent_;  // oldest first
};

}  // namespace hostmind
