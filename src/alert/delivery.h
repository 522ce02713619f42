#pragma once
// DeliveryWorker: one thread per alert target, draining that target's Outbox in order. A failed
// send is retried with exponential backoff (retry_initial doubling up to retry_max, with
// jitter so a fleet does not retry in step); notifications stay queued meanwhile, on disk.
#include <condition_variable>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>

#include "alert/alert_target.h"
#include "alert/outbox.h"

namespace hostmind {

struct RetryPolicy {
  TimeMs initial_ms = 1000;
  TimeMs max_ms = 300000;
  // The wait after `failures` consecutive failures (>= 1), jitter in [0.8, 1.2).
  TimeMs Backoff(int failures, double jitter) const;
};

class DeliveryWorker {
 public:
  DeliveryWorker(std::unique_ptr<AlertTarget> target, Outbox outbox, RetryPolicy retry);
  ~DeliveryWorker();
  DeliveryWorker(const DeliveryWorker&) = delete;
  DeliveryWorker& operator=(const DeliveryWorker&) = delete;

  // Queues `alert` durably and wakes the thread.
  Status Enqueue(const Alert& alert, TimeMs now);
  void Start();
  // Stops the thread; what is still queued stays on disk for the next start.
  void Stop();

  const std::string& name() const { return target_->name(); }
  // {name, state: ok|sending|retrying, queued, delivered, failed, dropped, last_error, next_retry_ms}
  nlohmann::json Report() const;

 private:
  void Run(std::stop_token stop);
  // Sends one batch; false when the target failed (the caller backs off).
  bool DeliverBatch();

  std::unique_ptr<AlertTarget> target_;
  Outbox outbox_;
  RetryPolicy retry_;
  std::mt19937 rng_{std::random_device{}()};
  mutable std::mutex mu_;
  std::condition_variable_any wake_;
  bool pending_ = true;  // something may be queued (true at start: the disk may hold a backlog)
  int failures_ = 0;
  uint64_t delivered_ = 0;
  uint64_t failed_attempts_ = 0;
  std::string last_error_;
  TimeMs backoff_ms_ = 0;
  std::jthread thread_;
};

}  // namespace hostmind
