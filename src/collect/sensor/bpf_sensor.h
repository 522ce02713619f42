#pragma once
// The eBPF sensor: loads bpf/sensor.bpf.c through its libbpf skeleton, attaches its BTF
// tracepoints and polls the ring buffer on its own thread, decoding records into events.
#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "collect/sensor/event_source.h"
#include "collect/sensor/sensor_decode.h"
#include "core/status.h"

namespace hostmind {

struct SensorOptions {
  // Paths whose opens are reported, matched in the kernel by prefix (at most 16, each shorter
  // than 64 bytes). Empty: no open events.
  std::vector<std::string> open_prefixes = {"/etc/", "/usr/bin/", "/usr/sbin/", "/bin/", "/sbin/",
                                            "/root/", "/boot/", "/lib/modules/"};
  bool syscall_profiles = true;
  bool ignore_self = true;  // drop the agent's own syscalls (tests watch themselves)
  // Report opens, credential changes and accepts with their results, from classic syscall
  // tracepoints (needs tracefs). Off: they are seen on entry, with no extra per-syscall cost;
  // on, every system call pays about 95 ns more on this machine (docs/BENCHMARKS.md).
  bool syscall_results = false;
  bool forks = true;
  uint64_t ring_buffer_bytes = 2 << 20;  // a power of two
  size_t queue_capacity = 65536;         // decoded events waiting for the collector
};

// Checks what the sensor needs: kernel BTF, privileges, BTF tracepoint programs and ring
// buffers. The message names the first missing capability.
Status ProbeBpfSupport();

class BpfSensor final : public EventSource {
 public:
  // Loads and attaches the programs and starts the poller thread.
  static Result<std::unique_ptr<BpfSensor>> Start(const SensorOptions& options);
  ~BpfSensor() override;

  const char* name() const override { return "ebpf"; }
  void Drain(std::vector<Event>& out) override { buffer_.Drain(out); }
  void ExportStats(Batch& batch) override;

  // Records lost because the ring buffer was full, summed over CPUs.
  uint64_t LostRecords() const;
  uint64_t decoded() const { return decoded_.load(); }
  // Tracepoints the kernel lacks ("syscalls/sys_enter_openat2"): those calls go unreported.
  const std::vector<std::string>& missing_tracepoints() const { return missing_; }

 private:
  struct Skeleton;
  explicit BpfSensor(const SensorOptions& options);
  Status Load();
  void Poll(std::stop_token stop);
  static int OnRecord(void* self, void* data, size_t size);
  std::vector<uint64_t> ReadLost(uint32_t which) const;

  SensorOptions options_;
  std::unique_ptr<Skeleton> skel_;
  std::unique_ptr<SensorDecoder> decoder_;
  EventBuffer buffer_;
  std::atomic<uint64_t> decoded_{0};
  std::atomic<uint64_t> corrupt_{0};
  std::vector<std::string> missing_;
  std::jthread poller_;
};

}  // namespace hostmind
