#include "act/actuator_runner.h"

#include <spdlog/spdlog.h>

namespace hostmind {

Status ActuatorRunner::Start() {
  for (Actuator* a : actuators_) {
    Status st = a->Start();
    if (!st.ok()) return Status(st.code(), a->name() + ": " + st.message());
  }
  if (actuators_.empty()) return Status::Ok();
  running_ = true;
  thread_ = std::thread([this] { Loop(); });
  return Status::Ok();
}

void ActuatorRunner::Step(TimeMs now) {
  for (Actuator* a : actuators_) {
    auto actions = a->Plan(now);
    if (!actions.empty()) a->Apply(actions);
  }
}

void ActuatorRunner::Loop() {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    lock.unlock();
    Step(clock_.Now());
    lock.lock();
    cv_.wait_for(lock, std::chrono::milliseconds(interval_ms_), [&] { return stopping_; });
  }
}

void ActuatorRunner::Stop() {
  {
    std::lock_guard lock(mu_);
    if (stopping_ || !running_) return;
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  for (auto it = actuators_.rbegin(); it != actuators_.rend(); ++it) {
    Status st = (*it)->Restore();
    if (!st.ok()) spdlog::warn("{}: restore: {}", (*it)->name(), st.ToString());
  }
  running_ = false;
}

}  // namespace hostmind
