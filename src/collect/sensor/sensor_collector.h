#pragma once
// The sensor as a collector: on its first run it starts the best event source the host allows
// (eBPF sensor, else the netlink proc connector, else /proc scanning), says which capability
// was missing when it had to fall back, and on every run moves the gathered events into the
// batch along with the source's counters (lost events per CPU, queue drops).
#include <memory>
#include <string>

#include "collect/sensor/bpf_sensor.h"
#include "collect/sensor/event_source.h"
#include "core/collector.h"

namespace hostmind {

struct SensorCollectorOptions {
  bool ebpf = true;  // false: go straight to the fallbacks
  SensorOptions sensor;
};

class SensorCollector final : public Collector {
 public:
  explicit SensorCollector(SensorCollectorOptions options);
  const std::string& name() const override { return name_; }
  Status Collect(CollectContext& ctx) override;

  // Starts the event source now (Collect does it on its first run otherwise).
  void Start(HostEnv& env);
  // "ebpf", "proc_connector", "proc_scan", or "" before Start.
  std::string source() const { return source_ ? source_->name() : ""; }
  // Why the eBPF sensor is not in use, "" when it is.
  const std::string& degraded_reason() const { return degraded_reason_; }

 private:
  const std::string name_ = "sensor";
  SensorCollectorOptions options_;
  std::unique_ptr<EventSource> source_;
  std::string degraded_reason_;
};

}  // namespace hostmind
