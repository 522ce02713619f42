#pragma once
// EventSource: a live source of events that runs on its own thread (the eBPF sensor, the
// netlink proc connector) and hands what it gathered to the sensor collector on each run.
// EventBuffer is the bounded hand-over between the two threads: when it is full, events are
// dropped and counted, so memory stays bounded under overload and loss is never silent.
#include <cstdint>
#include <mutex>
#include <vector>

#include "core/collector.h"
#include "core/event.h"

namespace hostmind {

class EventSource {
 public:
  virtual ~EventSource() = default;
  // "ebpf", "proc_connector", "proc_scan".
  virtual const char* name() const = 0;
  // Moves the events gathered since the last call into `out`.
  virtual void Drain(std::vector<Event>& out) = 0;
  // Appends the source's own counters (lost events per CPU, drops) to `batch`.
  virtual void ExportStats(Batch& batch) = 0;
};

class EventBuffer {
 public:
  explicit EventBuffer(size_t capacity) : capacity_(capacity) {}
  void Push(Event ev) {
    std::lock_guard lock(mu_);
    if (events_.size() >= capacity_) {
      ++dropped_;
      return;
    }
    events_.push_back(std::move(ev));
  }
  void Drain(std::vector<Event>& out) {
    std::vector<Event> taken;
    {
      std::lock_guard lock(mu_);
      taken.swap(events_);
    }
    if (out.empty()) out = std::move(taken);
    else std::move(taken.begin(), taken.end(), std::back_inserter(out));
  }
  uint64_t dropped() const {
    std::lock_guard lock(mu_);
    return dropped_;
  }

 private:
  const size_t capacity_;
  mutable std::mutex mu_;
  std::vector<Event> events_;
  uint64_t dropped_ = 0;
};

}  // namespace hostmind
