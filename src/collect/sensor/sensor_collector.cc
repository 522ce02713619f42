#include "collect/sensor/sensor_collector.h"

#include <spdlog/spdlog.h>

#include "collect/sensor/proc_fallback.h"

namespace hostmind {

SensorCollector::SensorCollector(SensorCollectorOptions options) : options_(std::move(options)) {}

void SensorCollector::Start(HostEnv& env) {
  if (source_) return;
  std::string why = "eBPF sensor disabled by configuration (security.sensor.ebpf: false)";
  if (options_.ebpf) {
    auto bpf = BpfSensor::Start(options_.sensor);
    if (bpf.ok()) {
      source_ = std::move(bpf).value();
      return;
    }
    why = bpf.status().message();
  }
  auto pc = ProcConnector::Start(options_.sensor.queue_capacity);
  if (pc.ok()) {
    source_ = std::move(pc).value();
    degraded_reason_ = why + "; using the netlink proc connector for exec/exit/fork only "
                             "(no file, network, credential, module, ptrace or syscall events)";
  } else {
    source_ = std::make_unique<ProcScanner>(env);
    degraded_reason_ = why + "; " + pc.status().message() +
                       "; scanning /proc for exec/exit only (short-lived processes are missed)";
  }
  spdlog::warn("sensor degraded: {}", degraded_reason_);
}

Status SensorCollector::Collect(CollectContext& ctx) {
  Start(ctx.env());
  Batch& out = ctx.out();
  source_->Drain(out.events);
  source_->ExportStats(out);
  for (const char* s : {"ebpf", "proc_connector", "proc_scan"})
    out.Gauge(SeriesKey("hostmind_sensor_source", {{"source", s}}), source() == s ? 1 : 0);
  return Status::Ok();
}

}  // namespace hostmind
