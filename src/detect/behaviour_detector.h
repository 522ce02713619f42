#pragma once
// Learned process behaviour, bound to live events: per executable and per cgroup, a profile of
// what it did during its learning window (syscall mixes, programs started, file path prefixes,
// network endpoints). After the window, the first time a program does something else becomes a
// finding that explains itself: "nginx ran /bin/sh for the first time", "syscall profile
// distance 0.83, normal p99 0.12". Each novelty is reported once and then learned.
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/event.h"
#include "core/finding.h"
#include "detect/process_table.h"
#include "learn/behaviour_profile.h"

namespace hostmind {

struct BehaviourOptions {
  TimeMs learning_ms = kMsPerHour;  // per profile, from the first event that created it
  double min_distance = 0.35;       // syscall-mix distances below this are never reported
  double p99_factor = 1.5;          // ... nor those below factor x the learned p99
  size_t max_profiles = 4096;       // executables + cgroups tracked at once
  int path_depth = 3;               // "/etc/ssl/private/key.pem" -> "/etc/ssl/private"
  size_t max_findings_per_minute = 30;
  ProfileLimits limits;
};

class BehaviourDetector {
 public:
  explicit BehaviourDetector(BehaviourOptions options = {}) : options_(options) {}

  // Learns from or scores one event; the process table must already have applied it.
  void Observe(const Event& ev, ProcessTable& table, std::vector<Finding>& out);

  size_t profiles() const { return profiles_.size(); }
  uint64_t suppressed() const { return suppressed_; }
  uint64_t untracked() const { return untracked_; }

 private:
  struct Tracked {
    BehaviourProfile profile;
    TimeMs first_seen = 0;
    std::optional<double> last_distance;
  };
  // Profile of `key` ("exe:/usr/sbin/nginx", "cgroup:/system.slice/x.service"), created at `now`.
  Tracked* Profile(const std::string& key, TimeMs now);
  bool Learning(const Tracked& t, TimeMs now) const { return now - t.first_seen < options_.learning_ms; }
  std::vector<std::string> Keys(const ProcessInfo& p) const;
  void Novelty(const Event& ev, const ProcessInfo& p, const char* what, const std::string& item,
               bool (BehaviourProfile::*is_new)(const std::string&) const,
               void (BehaviourProfile::*learn)(const std::string&), std::vector<Finding>& out);
  void Mix(const Event& ev, const ProcessInfo& p, const SyscallProfile& sp, std::vector<Finding>& out);
  bool Budget(TimeMs now);
  std::string PathPrefix(const std::string& path) const;

  BehaviourOptions options_;
  std::map<std::string, Tracked> profiles_;
  TimeMs minute_start_ = 0;
  size_t minute_count_ = 0;
  uint64_t suppressed_ = 0;
  uint64_t untracked_ = 0;
};

}  // namespace hostmind
