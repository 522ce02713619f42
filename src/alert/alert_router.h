#pragma once
// AlertRouter: turns findings into notifications. De-duplication and grouping: findings with
// the same fingerprint (host, kind, subject) are one alert; a repeat raises its count and is
// notified again only when its severity rises or repeat_interval has passed. An alert with no
// repeat for resolve_after is resolved (and that is notified too). Findings below min_severity
// and alerts matching an active silence are not notified. The open alerts are saved in the
// store, so a restart neither forgets them nor notifies them twice. Thread-safe.
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "alert/alert.h"
#include "alert/silences.h"
#include "store/store.h"

namespace hostmind {

struct AlertRouterOptions {
  std::string host;
  Severity min_severity = Severity::kWarning;
  TimeMs repeat_interval_ms = 4 * 3600 * 1000;
  TimeMs resolve_after_ms = 15 * 60 * 1000;
};

struct AlertRouterStats {
  uint64_t findings = 0;      // findings at or above min_severity
  uint64_t notified = 0;      // notifications sent (new, escalated, repeated, resolved)
  uint64_t deduplicated = 0;  // repeats folded into an open alert without a notification
  uint64_t silenced = 0;      // notifications withheld by a silence
  uint64_t stale = 0;         // findings about the past (older than resolve_after): stored, not alerted
};

class AlertRouter {
 public:
  // `store` keeps the open alerts across restarts (may be null in tests).
  AlertRouter(AlertRouterOptions options, const SilenceBook* silences, Store* store);

  // The notifications `finding` causes: none, or its alert (new, escalated or repeated).
  std::vector<Alert> Route(const Finding& finding, TimeMs now);
  // Resolves alerts quiet for resolve_after; returns the resolutions to notify.
  std::vector<Alert> Expire(TimeMs now);

  struct OpenAlert {
    Alert alert;
    std::optional<uint64_t> silenced_by;
  };
  // The alerts still firing, newest first.
  std::vector<OpenAlert> Open(TimeMs now) const;
  AlertRouterStats stats() const;
  const AlertRouterOptions& options() const { return options_; }

 private:
  // Returns `alert` as a notification unless a silence holds it back.
  void Notify(Alert& alert, TimeMs now, std::vector<Alert>& out);
  void Save() const;
  void Load();

  AlertRouterOptions options_;
  const SilenceBook* silences_;
  Store* store_;
  mutable std::mutex mu_;
  std::map<std::string, Alert> open_;  // by fingerprint
  AlertRouterStats stats_;
};

}  // namespace hostmind
