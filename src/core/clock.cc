#include "core/clock.h"

#include <chrono>
#include <cstdio>
#include <ctime>

namespace hostmind {

TimeMs SystemClock::Now() const {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

TimeMs WallMinusMonotonicMs() {
  timespec mono{}, wall{};
  clock_gettime(CLOCK_MONOTONIC, &mono);
  clock_gettime(CLOCK_REALTIME, &wall);
  auto ms = [](const timespec& t) { return static_cast<TimeMs>(t.tv_sec) * 1000 + t.tv_nsec / 1000000; };
  return ms(wall) - ms(mono);
}

uint64_t MonotonicNs() {
  timespec t{};
  clock_gettime(CLOCK_MONOTONIC, &t);
  return static_cast<uint64_t>(t.tv_sec) * 1000000000ull + static_cast<uint64_t>(t.tv_nsec);
}

namespace {

// `t` through strftime's `format`, in UTC or local time.
std::string FormatTimeAs(TimeMs t, const char* format, bool local) {
  std::time_t secs = static_cast<std::time_t>(t / 1000);
  std::tm tm{};
  if (local) {
    localtime_r(&secs, &tm);
  } else {
    gmtime_r(&secs, &tm);
  }
  char buf[32];
  std::strftime(buf, sizeof buf, format, &tm);
  return buf;
}

}  // namespace

std::string FormatIso8601(TimeMs t) { return FormatTimeAs(t, "%Y-%m-%dT%H:%M:%SZ", false); }

std::string FormatClockTime(TimeMs t) { return FormatTimeAs(t, "%H:%M", true); }

std::string FormatLocalTime(TimeMs t) { return FormatTimeAs(t, "%Y-%m-%d %H:%M:%S", true); }

std::string FormatDuration(TimeMs d) {
  char buf[32];
  double s = static_cast<double>(d) / 1000.0;
  if (s < 90) {
    std::snprintf(buf, sizeof buf, "%.0f s", s);
  } else if (s < 90 * 60) {
    std::snprintf(buf, sizeof buf, "%.0f min", s / 60);
  } else if (s < 48 * 3600) {
    std::snprintf(buf, sizeof buf, "%.1f h", s / 3600);
  } else {
    std::snprintf(buf, sizeof buf, "%.1f d", s / 86400);
  }
  return buf;
}

}  // namespace hostmind
