#pragma once
// Turns the sensor's raw ring-buffer records (bpf/sensor_abi.h) into Events. Pure: the clock
// offset and the cgroup-path lookup are passed in, so hermetic tests feed it synthetic records.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/event.h"
#include "core/status.h"

namespace hostmind {

class SensorDecoder {
 public:
  // Cgroup path of (cgroup id, pid), "" when unknown. Called once per new cgroup id.
  using CgroupLookup = std::function<std::string(uint64_t cgroup_id, int32_t pid)>;

  // `monotonic_to_wall_ms`: wall-clock ms minus CLOCK_MONOTONIC ms, measured at start.
  SensorDecoder(TimeMs monotonic_to_wall_ms, CgroupLookup cgroup_lookup);

  // The event in `record`, or Corrupt when it is truncated or of an unknown kind.
  Result<Event> Decode(std::string_view record);

 private:
  std::string CgroupPath(uint64_t id, int32_t pid);

  TimeMs offset_ms_;
  CgroupLookup cgroup_lookup_;
  std::unordered_map<uint64_t, std::string> cgroups_;
};

// x86_64 syscall number of a profile slot (see SENSOR_PROFILE_SLOTS), -1 for "other".
int32_t ProfileSlotSyscall(uint32_t slot);
// Splits a NUL-separated argv buffer.
std::vector<std::string> SplitArgs(std::string_view buf);
// "10.1.2.3" or "fe80::1" from a 16-byte address of `family` (AF_INET, AF_INET6).
std::string FormatAddress(uint16_t family, const uint8_t* addr);

}  // namespace hostmind
