#pragma once
// ActuatorRunner: the thread that drives actuators: Start() each once, then Plan + Apply every
// interval, and on Stop() a Restore() of each (in reverse order), so that the host is as it was
// when the agent stops. A restart after a crash restores through each actuator's Start().
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

#include "act/actuator.h"
#include "core/clock.h"

namespace hostmind {

class ActuatorRunner {
 public:
  ActuatorRunner(const Clock& clock, TimeMs interval_ms) : clock_(clock), interval_ms_(interval_ms) {}
  ~ActuatorRunner() { Stop(); }
  void Add(Actuator* actuator) { actuators_.push_back(actuator); }
  // Starts every actuator (the first error stops and is returned), then the thread.
  Status Start();
  // One Plan + Apply of every actuator at `now` (the thread's step; tests call it directly).
  void Step(TimeMs now);
  // Stops the thread and restores every actuator. Idempotent.
  void Stop();

 private:
  void Loop();
  const Clock& clock_;
  TimeMs interval_ms_;
  std::vector<Actuator*> actuators_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  bool running_ = false;
  std::thread thread_;
};

}  // namespace hostmind
