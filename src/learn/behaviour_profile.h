#pragma once
// Learned process behaviour: what one program (or cgroup) did while learning — its system-call
// mix, the programs it started, the file path prefixes it opened, the network endpoints it
// used — and how far new behaviour is from that. Bounded in memory; pure (no I/O, no clock).
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace hostmind {

// A process's system-call aggregate, as the eBPF sensor builds it in the kernel: calls per
// syscall number and a counting sketch of hashed syscall 3-grams.
struct SyscallMix {
  static constexpr size_t kSketchSize = 256;
  std::vector<std::pair<int32_t, uint32_t>> counts;  // sorted by syscall number
  std::vector<uint32_t> sketch;                      // kSketchSize buckets, or empty
  uint64_t total() const;
};

// The sketch bucket of the 3-gram (prev2, prev1, cur): the same hash as bpf/sensor.bpf.c.
uint32_t NgramBucket(uint32_t prev2, uint32_t prev1, uint32_t cur);
// Builds a mix from a whole syscall sequence (for recorded traces; the kernel does it live).
SyscallMix MixFromSequence(const std::vector<int32_t>& seq);
// Distance in [0, 1]: the mean of the Hellinger distances of the syscall distributions and of
// the 3-gram sketches. 0 = identical proportions.
double MixDistance(const SyscallMix& a, const SyscallMix& b);

struct ProfileLimits {
  size_t max_exemplars = 64;     // syscall mixes kept per profile
  size_t max_set_items = 256;    // children, prefixes, endpoints each; beyond, novelty is off
  double merge_distance = 0.02;  // a mix this close to a kept one only adds weight to it
  size_t max_distances = 512;    // learning-time distances kept for the normal quantiles
};

class BehaviourProfile {
 public:
  explicit BehaviourProfile(ProfileLimits limits = {}) : limits_(limits) {}

  // Learning.
  void LearnMix(const SyscallMix& mix);
  void LearnChild(const std::string& exe) { Learn(children_, exe, children_full_); }
  void LearnPath(const std::string& prefix) { Learn(paths_, prefix, paths_full_); }
  void LearnEndpoint(const std::string& endpoint) { Learn(endpoints_, endpoint, endpoints_full_); }

  // Scoring. Novelty answers are false once a set overflowed (too varied to judge).
  // Distance to the nearest learned mix; nullopt before any was learned.
  std::optional<double> Distance(const SyscallMix& mix) const;
  // The q-quantile (0..1) of nearest-neighbour distances seen while learning; nullopt if < 5.
  std::optional<double> NormalQuantile(double q) const;
  bool IsNewChild(const std::string& exe) const { return IsNew(children_, exe, children_full_); }
  bool IsNewPath(const std::string& prefix) const { return IsNew(paths_, prefix, paths_full_); }
  bool IsNewEndpoint(const std::string& endpoint) const { return IsNew(endpoints_, endpoint, endpoints_full_); }

  size_t mixes_learned() const { return mixes_learned_; }
  size_t exemplars() const { return exemplars_.size(); }

 private:
  void Learn(std::set<std::string>& set, const std::string& item, bool& full);
  bool IsNew(const std::set<std::string>& set, const std::string& item, bool full) const {
    return !full && !set.count(item);
  }

  ProfileLimits limits_;
  std::vector<SyscallMix> exemplars_;
  std::vector<double> distances_;  // nearest-neighbour distance of each learned mix (bounded)
  size_t mixes_learned_ = 0;
  std::set<std::string> children_, paths_, endpoints_;
  bool children_full_ = false, paths_full_ = false, endpoints_full_ = false;
};

}  // namespace hostmind
