#include "alert/delivery.h"

#include <algorithm>
#include <cmath>

#include <spdlog/spdlog.h>

namespace hostmind {

TimeMs RetryPolicy::Backoff(int failures, double jitter) const {
  double wait = static_cast<double>(initial_ms) * std::pow(2.0, std::min(failures - 1, 30));
  return static_cast<TimeMs>(std::min(wait, static_cast<double>(max_ms)) * jitter);
}

DeliveryWorker::DeliveryWorker(std::unique_ptr<AlertTarget> target, Outbox outbox, RetryPolicy retry)
    : target_(std::move(target)), outbox_(std::move(outbox)), retry_(retry) {}

DeliveryWorker::~DeliveryWorker() { Stop(); }

Status DeliveryWorker::Enqueue(const Alert& alert, TimeMs now) {
  HM_RETURN_IF_ERROR(outbox_.Push(target_->Format(alert), now));
  {
    std::lock_guard lock(mu_);
    pending_ = true;
  }
  wake_.notify_all();
  return Status::Ok();
}

void DeliveryWorker::Start() {
  thread_ = std::jthread([this](std::stop_token stop) { Run(stop); });
}

void DeliveryWorker::Stop() {
  if (!thread_.joinable()) return;
  thread_.request_stop();
  wake_.notify_all();
  thread_.join();
}

bool DeliveryWorker::DeliverBatch() {
  auto batch = outbox_.Peek(target_->max_batch());
  if (!batch.ok()) {
    std::lock_guard lock(mu_);
    last_error_ = batch.status().message();
    return false;
  }
  if (batch->empty()) {
    std::lock_guard lock(mu_);
    pending_ = false;
    return true;
  }
  std::vector<std::string> payloads;
  for (const auto& item : *batch) payloads.push_back(item.payload);
  Status sent = target_->Send(payloads);
  if (sent.ok()) {
    Status acked = outbox_.Ack(*batch);
    std::lock_guard lock(mu_);
    if (!acked.ok()) last_error_ = acked.message();
    delivered_ += batch->size();
    if (failures_ > 0) spdlog::info("alerts: {} is back; delivering its queue", target_->name());
    failures_ = 0;
    backoff_ms_ = 0;
    return true;
  }
  (void)outbox_.CountAttempt(*batch);
  std::lock_guard lock(mu_);
  if (failures_ == 0) spdlog::warn("alerts: {} failed ({}); retrying with backoff, alerts stay queued", target_->name(), sent.message());
  ++failures_;
  ++failed_attempts_;
  last_error_ = sent.message();
  backoff_ms_ = retry_.Backoff(failures_, std::uniform_real_distribution<double>(0.8, 1.2)(rng_));
  return false;
}

void DeliveryWorker::Run(std::stop_token stop) {
  while (!stop.stop_requested()) {
    bool ok = DeliverBatch();
    std::unique_lock lock(mu_);
    if (!ok) {
      // Back off; a stop ends the wait at once (what is queued stays on disk).
      wake_.wait_for(lock, stop, std::chrono::milliseconds(backoff_ms_), [] { return false; });
    } else if (!pending_) {
      wake_.wait(lock, stop, [this] { return pending_; });
    }
  }
}

nlohmann::json DeliveryWorker::Report() const {
  size_t queued = outbox_.size();
  uint64_t dropped = outbox_.dropped();  // both take the store's mutex: not under mu_
  std::lock_guard lock(mu_);
  std::string state = failures_ > 0 ? "retrying" : queued > 0 ? "sending" : "ok";
  return {{"name", target_->name()}, {"state", state},  {"queued", queued},
          {"delivered", delivered_}, {"failed", failed_attempts_}, {"dropped", dropped},
          {"last_error", last_error_}, {"next_retry_ms", failures_ > 0 ? backoff_ms_ : 0}};
}

}  // namespace hostmind
