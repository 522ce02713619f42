#pragma once
// Shared by the runtime tests that need the real eBPF sensor: start it or skip with the reason,
// and collect its events until a predicate is satisfied or a deadline passes.
#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <memory>
#include <thread>

#include "collect/sensor/bpf_sensor.h"

namespace hostmind::testing {

// The started sensor, or null after GTEST_SKIP() with the missing capability. A sensor that
// fails to load where the capabilities are present is a failure, not a skip.
inline std::unique_ptr<BpfSensor> StartSensorOrSkip(SensorOptions options) {
  options.ignore_self = false;  // the tests trigger events from their own process too
  if (Status probe = ProbeBpfSupport(); !probe.ok()) {
    [&] { GTEST_SKIP() << probe.ToString(); }();
    return nullptr;
  }
  auto sensor = BpfSensor::Start(options);
  if (!sensor.ok()) {
    ADD_FAILURE() << sensor.status().ToString();
    return nullptr;
  }
  return std::move(sensor).value();
}

// Drains `source` into `seen` until `done` returns true for some event, or 5 s pass.
inline void CollectUntil(EventSource& source, std::vector<Event>& seen,
                         const std::function<bool(const Event&)>& done) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  size_t checked = 0;
  while (std::chrono::steady_clock::now() < deadline) {
    source.Drain(seen);
    for (; checked < seen.size(); ++checked)
      if (done(seen[checked])) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  if (getenv("HOSTMIND_TEST_VERBOSE"))
    for (const auto& ev : seen) fprintf(stderr, "event %s pid %d\n", EventTypeName(ev.body), EventPid(ev.body));
}

}  // namespace hostmind::testing
