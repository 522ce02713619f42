#include "collect/sensor/bpf_sensor.h"

#include <linux/capability.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>

#include <spdlog/spdlog.h>

#if HOSTMIND_HAVE_BPF_SENSOR
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "sensor.skel.h"
#endif

extern "C" {
#include "sensor_abi.h"
}

namespace hostmind {

namespace {

// The v2 cgroup path of `pid` ("0::/system.slice/x.service" -> "/system.slice/x.service").
std::string ProcCgroupPath(uint64_t, int32_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/cgroup");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("0::", 0) == 0) return line.substr(3);
  return "";
}

TimeMs MonotonicToWallMs() {
  timespec mono{}, wall{};
  clock_gettime(CLOCK_MONOTONIC, &mono);
  clock_gettime(CLOCK_REALTIME, &wall);
  auto ms = [](const timespec& t) { return static_cast<TimeMs>(t.tv_sec) * 1000 + t.tv_nsec / 1000000; };
  return ms(wall) - ms(mono);
}

bool HasCapability(int cap) {
  __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[2]{};
  if (syscall(SYS_capget, &header, data) != 0) return false;
  return (data[cap / 32].effective & (1u << (cap % 32))) != 0;
}

}  // namespace

#if HOSTMIND_HAVE_BPF_SENSOR

namespace {
int LibbpfLog(enum libbpf_print_level level, const char* fmt, va_list args) {
  if (level == LIBBPF_DEBUG) return 0;
  char buf[1024];
  int n = vsnprintf(buf, sizeof(buf), fmt, args);
  std::string text(buf, n > 0 ? std::min<size_t>(n, sizeof(buf) - 1) : 0);
  while (!text.empty() && text.back() == '\n') text.pop_back();
  spdlog::debug("libbpf: {}", text);
  return 0;
}
}  // namespace

namespace {

// Classic tracepoints need tracefs, which some systems do not mount at boot.
Status EnsureTracefs() {
  struct stat st;
  if (stat("/sys/kernel/tracing/events", &st) == 0 || stat("/sys/kernel/debug/tracing/events", &st) == 0)
    return Status::Ok();
  if (mount("tracefs", "/sys/kernel/tracing", "tracefs", 0, nullptr) != 0)
    return Status::FromErrno(errno, "mount tracefs on /sys/kernel/tracing");
  spdlog::info("eBPF sensor: mounted tracefs on /sys/kernel/tracing for classic tracepoints");
  return Status::Ok();
}

bool TracepointExists(const std::string& category_and_name) {
  struct stat st;
  return stat(("/sys/kernel/tracing/events/" + category_and_name).c_str(), &st) == 0 ||
         stat(("/sys/kernel/debug/tracing/events/" + category_and_name).c_str(), &st) == 0;
}

}  // namespace

struct BpfSensor::Skeleton {
  sensor_bpf* obj = nullptr;
  ring_buffer* rb = nullptr;
  ~Skeleton() {
    if (rb) ring_buffer__free(rb);
    if (obj) sensor_bpf::destroy(obj);
  }
};

Status ProbeBpfSupport() {
  if (access("/sys/kernel/btf/vmlinux", R_OK) != 0)
    return Status::Unavailable("eBPF sensor: kernel BTF (/sys/kernel/btf/vmlinux) is missing: "
                               "the kernel was built without CONFIG_DEBUG_INFO_BTF");
  bool privileged = HasCapability(CAP_SYS_ADMIN) ||
                    (HasCapability(CAP_BPF) && HasCapability(CAP_PERFMON));
  if (!privileged)
    return Status::PermissionDenied("eBPF sensor: needs CAP_BPF and CAP_PERFMON (or CAP_SYS_ADMIN); run as root");
  if (libbpf_probe_bpf_map_type(BPF_MAP_TYPE_RINGBUF, nullptr) != 1)
    return Status::Unavailable("eBPF sensor: the kernel lacks BPF ring buffers (Linux >= 5.8 needed)");
  // libbpf probes BPF_PROG_TYPE_TRACING as fentry, which hardened kernels refuse while tp_btf
  // works: probe raw tracepoints here, and let loading tell about tp_btf.
  if (libbpf_probe_bpf_prog_type(BPF_PROG_TYPE_RAW_TRACEPOINT, nullptr) != 1)
    return Status::Unavailable("eBPF sensor: the kernel refuses raw tracepoint programs");
  return Status::Ok();
}

BpfSensor::BpfSensor(const SensorOptions& options)
    : options_(options), buffer_(options.queue_capacity) {}

BpfSensor::~BpfSensor() {
  if (poller_.joinable()) {
    poller_.request_stop();
    poller_.join();
  }
}

Result<std::unique_ptr<BpfSensor>> BpfSensor::Start(const SensorOptions& options) {
  HM_RETURN_IF_ERROR(ProbeBpfSupport());
  if (options.open_prefixes.size() > SENSOR_MAX_PREFIXES)
    return Status::InvalidArgument("eBPF sensor: at most " + std::to_string(SENSOR_MAX_PREFIXES) +
                                   " open prefixes");
  for (const auto& p : options.open_prefixes)
    if (p.empty() || p.size() >= SENSOR_PREFIX_LEN)
      return Status::InvalidArgument("eBPF sensor: open prefix '" + p + "' must have 1 to " +
                                     std::to_string(SENSOR_PREFIX_LEN - 1) + " bytes");
  uint64_t rb = options.ring_buffer_bytes;
  if (rb < 4096 || (rb & (rb - 1)) != 0)
    return Status::InvalidArgument("eBPF sensor: ring buffer size must be a power of two >= 4096");
  std::unique_ptr<BpfSensor> sensor(new BpfSensor(options));
  HM_RETURN_IF_ERROR(sensor->Load());
  BpfSensor* raw = sensor.get();
  sensor->poller_ = std::jthread([raw](std::stop_token st) { raw->Poll(st); });
  return sensor;
}

Status BpfSensor::Load() {
  libbpf_set_print(LibbpfLog);
  skel_ = std::make_unique<Skeleton>();
  skel_->obj = sensor_bpf::open();
  if (!skel_->obj) return Status::FromErrno(errno, "eBPF sensor: open BPF object");
  auto* ro = skel_->obj->rodata;
  ro->self_tgid = options_.ignore_self ? static_cast<uint32_t>(getpid()) : 0;
  ro->enable_profiles = options_.syscall_profiles;
  ro->enable_forks = options_.forks;
  ro->enable_opens = !options_.open_prefixes.empty();
  ro->syscall_results = options_.syscall_results;
  ro->n_prefixes = static_cast<uint32_t>(options_.open_prefixes.size());
  for (size_t i = 0; i < options_.open_prefixes.size(); ++i) {
    const std::string& p = options_.open_prefixes[i];
    ro->prefix_len[i] = static_cast<uint32_t>(p.size());
    std::memcpy(ro->prefixes[i], p.data(), p.size());
  }
  // Per-syscall classic tracepoints (opens, credential changes, accepts with results): only
  // when asked for; then skip the ones this kernel lacks, or all without tracefs, and say so.
  Status tracefs = options_.syscall_results ? EnsureTracefs() : Status::Ok();
  bpf_program* prog;
  bpf_object__for_each_program(prog, skel_->obj->obj) {
    std::string section = bpf_program__section_name(prog);
    if (section.rfind("tracepoint/", 0) != 0) continue;
    std::string event = section.substr(std::string("tracepoint/").size());
    bool open_call = event.find("_open") != std::string::npos || event.find("_creat") != std::string::npos;
    if (!options_.syscall_results || (open_call && options_.open_prefixes.empty())) {
      bpf_program__set_autoload(prog, false);
    } else if (!tracefs.ok() || !TracepointExists(event)) {
      bpf_program__set_autoload(prog, false);
      missing_.push_back(event);
    }
  }
  if (!tracefs.ok())
    spdlog::warn("eBPF sensor: {}: no open, credential-change or accept events", tracefs.ToString());
  else if (!missing_.empty())
    spdlog::warn("eBPF sensor: the kernel lacks {} tracepoints (first: {}); those calls are not reported",
                 missing_.size(), missing_.front());
  bpf_map__set_max_entries(skel_->obj->maps.events, static_cast<uint32_t>(options_.ring_buffer_bytes));
  if (int err = sensor_bpf::load(skel_->obj); err != 0)
    return Status::FromErrno(-err, "eBPF sensor: load programs (the verifier or the kernel refused them; "
                                   "run with log_level debug for libbpf's log)");
  if (int err = sensor_bpf::attach(skel_->obj); err != 0)
    return Status::FromErrno(-err, "eBPF sensor: attach BTF tracepoints");
  skel_->rb = ring_buffer__new(bpf_map__fd(skel_->obj->maps.events), &BpfSensor::OnRecord, this, nullptr);
  if (!skel_->rb) return Status::FromErrno(errno, "eBPF sensor: open ring buffer");
  decoder_ = std::make_unique<SensorDecoder>(MonotonicToWallMs(), ProcCgroupPath);
  spdlog::info("eBPF sensor loaded: ring buffer {} KiB, {} open prefixes, syscall profiles {}",
               options_.ring_buffer_bytes >> 10, options_.open_prefixes.size(),
               options_.syscall_profiles ? "on" : "off");
  return Status::Ok();
}

int BpfSensor::OnRecord(void* self, void* data, size_t size) {
  auto* sensor = static_cast<BpfSensor*>(self);
  auto ev = sensor->decoder_->Decode(std::string_view(static_cast<const char*>(data), size));
  if (!ev.ok()) {
    sensor->corrupt_++;
    return 0;
  }
  sensor->decoded_++;
  sensor->buffer_.Push(std::move(ev).value());
  return 0;
}

void BpfSensor::Poll(std::stop_token stop) {
  // The programs wake us only when the ring is a quarter full; the timeout bounds latency, and
  // records submitted without a wakeup are consumed explicitly after it.
  while (!stop.stop_requested()) {
    int n = ring_buffer__poll(skel_->rb, 100);
    if (n >= 0) n = ring_buffer__consume(skel_->rb);
    if (n < 0 && n != -EINTR) {
      spdlog::error("eBPF sensor: ring buffer poll failed: {}", std::strerror(-n));
      return;
    }
  }
  ring_buffer__consume(skel_->rb);
}

std::vector<uint64_t> BpfSensor::ReadLost(uint32_t which) const {
  int cpus = libbpf_num_possible_cpus();
  std::vector<uint64_t> values(cpus > 0 ? cpus : 1, 0);
  bpf_map_lookup_elem(bpf_map__fd(skel_->obj->maps.lost), &which, values.data());
  return values;
}

uint64_t BpfSensor::LostRecords() const {
  uint64_t sum = 0;
  for (uint64_t v : ReadLost(0)) sum += v;
  return sum;
}

void BpfSensor::ExportStats(Batch& batch) {
  std::vector<uint64_t> lost = ReadLost(0);
  for (size_t cpu = 0; cpu < lost.size(); ++cpu)
    batch.Counter(SeriesKey("hostmind_sensor_lost_events_total", {{"cpu", std::to_string(cpu)}}),
                  static_cast<double>(lost[cpu]));
  uint64_t profile_full = 0;
  for (uint64_t v : ReadLost(1)) profile_full += v;
  batch.Counter(SeriesKey("hostmind_sensor_profiles_untracked_total"), static_cast<double>(profile_full));
  batch.Counter(SeriesKey("hostmind_sensor_events_total"), static_cast<double>(decoded_.load()));
  batch.Counter(SeriesKey("hostmind_sensor_corrupt_records_total"), static_cast<double>(corrupt_.load()));
  batch.Counter(SeriesKey("hostmind_sensor_queue_dropped_total"), static_cast<double>(buffer_.dropped()));
}

#else  // !HOSTMIND_HAVE_BPF_SENSOR

struct BpfSensor::Skeleton {};

Status ProbeBpfSupport() {
  return Status::Unavailable("eBPF sensor: compiled out (kernel BTF, clang or bpftool was missing at build time)");
}
BpfSensor::BpfSensor(const SensorOptions& options) : options_(options), buffer_(options.queue_capacity) {}
BpfSensor::~BpfSensor() = default;
Result<std::unique_ptr<BpfSensor>> BpfSensor::Start(const SensorOptions&) { return ProbeBpfSupport(); }
Status BpfSensor::Load() { return ProbeBpfSupport(); }
int BpfSensor::OnRecord(void*, void*, size_t) { return 0; }
void BpfSensor::Poll(std::stop_token) {}
std::vector<uint64_t> BpfSensor::ReadLost(uint32_t) const { return {}; }
uint64_t BpfSensor::LostRecords() const { return 0; }
void BpfSensor::ExportStats(Batch&) {}

#endif

}  // namespace hostmind
