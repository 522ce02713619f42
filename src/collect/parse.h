#pragma once
// Small, strict parsers shared by the /proc and /sys collectors. They never throw: a malformed
// field is an error the caller counts, not a crash.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/status.h"
#include "core/text.h"  // SplitFields, SplitLines

namespace hostmind {

std::optional<uint64_t> ParseU64(std::string_view s);
std::optional<int64_t> ParseI64(std::string_view s);
std::optional<double> ParseDouble(std::string_view s);

// "Key:   123 kB" lines (meminfo, status) -> key -> value, with kB scaled to bytes.
// Lines that do not parse are skipped and counted in `*bad_lines`.
std::map<std::string, uint64_t, std::less<>> ParseKeyValueKb(std::string_view text, int* bad_lines);
// "key value" lines (vmstat, cgroup memory.stat, cpu.stat) -> key -> value.
std::map<std::string, uint64_t, std::less<>> ParseKeyValue(std::string_view text, int* bad_lines);

// Turns monotonically growing counters into per-second rates. The first observation of a key,
// and a counter that went backwards (a reset, a recycled device), give no rate.
class RateTracker {
 public:
  std::optional<double> Rate(const std::string& key, double value, TimeMs now);
  // Deltas without dividing by time (for ratios of two counters).
  std::optional<double> Delta(const std::string& key, double value, TimeMs now);
  // Forgets keys not seen since `before` (vanished processes, removed devices).
  void ForgetOlderThan(TimeMs before);
  size_t size() const { return last_.size(); }

 private:
  struct Last {
    double value;
    TimeMs ts;
  };
  std::map<std::string, Last> last_;
};

}  // namespace hostmind
