#pragma once
// Time in hostmind is milliseconds since the Unix epoch (TimeMs), read through a Clock so that
// tests, replays and evaluations run on synthetic time (FakeClock) through the same code.
#include <atomic>
#include <cstdint>
#include <string>

namespace hostmind {

using TimeMs = int64_t;
inline constexpr TimeMs kMsPerSecond = 1000;
inline constexpr TimeMs kMsPerMinute = 60 * kMsPerSecond;
inline constexpr TimeMs kMsPerHour = 60 * kMsPerMinute;
inline constexpr TimeMs kMsPerDay = 24 * kMsPerHour;

class Clock {
 public:
  virtual ~Clock() = default;
  virtual TimeMs Now() const = 0;
};

// Wall-clock time of the host.
class SystemClock final : public Clock {
 public:
  TimeMs Now() const override;
};

// A clock that only moves when told to. Thread-safe.
class FakeClock final : public Clock {
 public:
  explicit FakeClock(TimeMs start = 0) : now_(start) {}
  TimeMs Now() const override { return now_.load(std::memory_order_relaxed); }
  void Set(TimeMs t) { now_.store(t, std::memory_order_relaxed); }
  void Advance(TimeMs delta) { now_.fetch_add(delta, std::memory_order_relaxed); }

 private:
  std::atomic<TimeMs> now_;
};

// Wall-clock ms minus CLOCK_MONOTONIC ms, now: converts kernel timestamps (BPF ktime) to TimeMs.
TimeMs WallMinusMonotonicMs();
// CLOCK_MONOTONIC in nanoseconds, the clock of BPF timestamps.
uint64_t MonotonicNs();

// "2026-11-24T23:52:40Z" (UTC) for logs and explanations.
std::string FormatIso8601(TimeMs t);
// "14:05" in local time, for alert text ("growing since 14:05").
std::string FormatClockTime(TimeMs t);
// "2026-11-24 23:52:40" in local time, for a person at a terminal (hostmind explain).
std::string FormatLocalTime(TimeMs t);
// A human duration: "45 s", "9 min", "3.5 h", "2.1 d".
std::string FormatDuration(TimeMs d);

}  // namespace hostmind
