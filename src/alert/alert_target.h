#pragma once
// Where alerts go: the agent's log/journal, a webhook (Alertmanager's API), NATS. A target
// formats an alert into its own payload when the alert is queued, and sends queued payloads in
// order; the delivery worker (delivery.h) retries what failed.
#include <string>
#include <vector>

#include "alert/alert.h"
#include "core/status.h"

namespace hostmind {

class AlertTarget {
 public:
  virtual ~AlertTarget() = default;
  virtual const std::string& name() const = 0;
  // The payload queued for `alert`.
  virtual std::string Format(const Alert& alert) const = 0;
  // Sends `payloads` (oldest first) as one unit: OK means the peer took them all.
  virtual Status Send(const std::vector<std::string>& payloads) = 0;
  // How many payloads one Send may carry.
  virtual size_t max_batch() const { return 1; }
};

}  // namespace hostmind
