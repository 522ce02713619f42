#include "collect/prefetch/page_tracer.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <spdlog/spdlog.h>

#include "collect/sensor/bpf_sensor.h"

#if HOSTMIND_HAVE_BPF_SENSOR
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "prefetch.skel.h"
#endif

namespace hostmind {

namespace {
constexpr size_t kMaxPendingPrefetched = 1 << 20;
// A device missing from the mount table re-reads it, at most this often.
constexpr TimeMs kMountRereadMs = 5000;
}  // namespace

PageTracer::PageTracer(const PageTracerOptions& options) : options_(options) {}

PageTracer::~PageTracer() {
  if (poller_.joinable()) {
    poller_.request_stop();
    poller_.join();
  }
}

void PageTracer::SetExecCallback(std::function<void(const ExecNotice&)> callback) {
  std::lock_guard lock(callback_mu_);
  on_exec_ = std::move(callback);
}

void PageTracer::DrainTraces(std::vector<StartupTrace>& out) {
  std::lock_guard lock(mu_);
  for (auto& t : traces_) out.push_back(std::move(t));
  traces_.clear();
}

void PageTracer::DrainPrefetched(std::vector<PrefetchedPages>& out) {
  std::lock_guard lock(mu_);
  out.insert(out.end(), prefetched_.begin(), prefetched_.end());
  prefetched_.clear();
}

TraceSourceStats PageTracer::Stats() const {
  std::lock_guard lock(mu_);
  TraceSourceStats s;
  s.records = assembler_stats_.records;
  s.traces = assembler_stats_.traces;
  s.launches_untraced = assembler_stats_.launches_untraced;
  s.files_unnamed = assembler_stats_.files_unnamed;
  s.traces_dropped = traces_dropped_;
  s.lost = LostRecords();
  return s;
}

std::string PageTracer::ResolvePath(uint64_t kdev, const std::string& fs_path) {
  uint32_t major = KernelDevMajor(kdev), minor = KernelDevMinor(kdev);
  std::string path = mounts_.Resolve(major, minor, fs_path);
  TimeMs now = static_cast<TimeMs>(MonotonicNs() / 1000000);
  if (path.empty() && now - mounts_read_at_ > kMountRereadMs) {  // mounted since we last looked?
    DiskHostEnv env;
    if (auto t = MountTable::Read(env); t.ok()) mounts_ = std::move(*t);
    mounts_read_at_ = now;
    path = mounts_.Resolve(major, minor, fs_path);
  }
  return path;
}

#if HOSTMIND_HAVE_BPF_SENSOR

namespace {
int LibbpfToSpdlog(enum libbpf_print_level level, const char* fmt, va_list args) {
  if (level == LIBBPF_DEBUG) return 0;
  char buf[512];
  vsnprintf(buf, sizeof buf, fmt, args);
  spdlog::debug("libbpf: {}", buf);
  return 0;
}

bool KernelHasTracepoint(const char* name) {
  btf* vmlinux = btf__load_vmlinux_btf();
  if (!vmlinux) return false;
  bool found = btf__find_by_name_kind(vmlinux, (std::string("btf_trace_") + name).c_str(), BTF_KIND_TYPEDEF) > 0;
  btf__free(vmlinux);
  return found;
}
}  // namespace

struct PageTracer::Skeleton {
  prefetch_bpf* obj = nullptr;
  ring_buffer* rb = nullptr;
  ~Skeleton() {
    if (rb) ring_buffer__free(rb);
    if (obj) prefetch_bpf::destroy(obj);
  }
};

Status PageTracer::Probe() {
  Status s = ProbeBpfSupport();
  if (!s.ok()) return Status(s.code(), "prefetch tracer: " + s.message());
  if (!KernelHasTracepoint("mm_filemap_add_to_page_cache"))
    return Status::Unavailable("prefetch tracer: the kernel lacks the mm_filemap_add_to_page_cache tracepoint");
  return Status::Ok();
}

Result<std::unique_ptr<PageTracer>> PageTracer::Start(const PageTracerOptions& options) {
  HM_RETURN_IF_ERROR(Probe());
  uint64_t rb = options.ring_buffer_bytes;
  if (rb < 4096 || (rb & (rb - 1)) != 0)
    return Status::InvalidArgument("prefetch tracer: ring buffer size must be a power of two >= 4096");
  std::unique_ptr<PageTracer> tracer(new PageTracer(options));
  HM_RETURN_IF_ERROR(tracer->Load());
  PageTracer* raw = tracer.get();
  tracer->poller_ = std::jthread([raw](std::stop_token st) { raw->Poll(st); });
  return tracer;
}

Status PageTracer::Load() {
  libbpf_set_print(LibbpfToSpdlog);
  DiskHostEnv env;
  auto mounts = MountTable::Read(env);
  if (!mounts.ok()) return Status(mounts.status().code(), "prefetch tracer: " + mounts.status().message());
  mounts_ = std::move(*mounts);
  mounts_read_at_ = static_cast<TimeMs>(MonotonicNs() / 1000000);

  skel_ = std::make_unique<Skeleton>();
  skel_->obj = prefetch_bpf::open();
  if (!skel_->obj) return Status::FromErrno(errno, "prefetch tracer: open BPF object");
  skel_->obj->rodata->self_tgid = static_cast<uint32_t>(getpid());
  skel_->obj->rodata->window_ns = static_cast<uint64_t>(options_.window_ms) * 1000000ull;
  bpf_map__set_max_entries(skel_->obj->maps.events, static_cast<uint32_t>(options_.ring_buffer_bytes));
  if (!KernelHasTracepoint("mm_filemap_get_pages")) {
    // Linux < 6.11: no hits are visible, only what each launch had to read from disk.
    exact_pages_ = false;
    degraded_reason_ = "the kernel lacks the page-cache access tracepoints (mm_filemap_get_pages, Linux 6.11): "
                       "learning from each launch's cache misses only";
    bpf_program__set_autoload(skel_->obj->progs.pf_get_pages, false);
    bpf_program__set_autoload(skel_->obj->progs.pf_map_pages, false);
    bpf_program__set_autoload(skel_->obj->progs.pf_fault, false);
  }
  if (int err = prefetch_bpf::load(skel_->obj); err != 0)
    return Status::FromErrno(-err, "prefetch tracer: load programs (the verifier or the kernel refused them; "
                                   "run with log_level debug for libbpf's log)");
  if (int err = prefetch_bpf::attach(skel_->obj); err != 0)
    return Status::FromErrno(-err, "prefetch tracer: attach BTF tracepoints");
  skel_->rb = ring_buffer__new(bpf_map__fd(skel_->obj->maps.events), &PageTracer::OnRecord, this, nullptr);
  if (!skel_->rb) return Status::FromErrno(errno, "prefetch tracer: open ring buffer");
  AssemblerOptions ao;
  ao.window_ms = options_.window_ms;
  ao.misses_as_touches = !exact_pages_;
  assembler_ = std::make_unique<TraceAssembler>(
      ao, WallMinusMonotonicMs(), [this](uint64_t kdev, const std::string& p) { return ResolvePath(kdev, p); });
  spdlog::info("prefetch tracer loaded: window {} ms, ring buffer {} KiB{}", options_.window_ms,
               options_.ring_buffer_bytes >> 10, exact_pages_ ? "" : "; " + degraded_reason_);
  return Status::Ok();
}

int PageTracer::OnRecord(void* self, void* data, size_t size) {
  auto* t = static_cast<PageTracer*>(self);
  t->execs_.clear();
  (void)t->assembler_->Feed(std::string_view(static_cast<const char*>(data), size), t->execs_);  // counted
  if (!t->execs_.empty()) {
    std::lock_guard lock(t->callback_mu_);
    if (t->on_exec_)
      for (const ExecNotice& n : t->execs_) t->on_exec_(n);
  }
  return 0;
}

void PageTracer::Poll(std::stop_token stop) {
  std::vector<StartupTrace> done;
  std::vector<PrefetchedPages> prefetched;
  int named_fd = bpf_map__fd(skel_->obj->maps.named);
  while (!stop.stop_requested()) {
    // Execs wake us at once; other records are consumed at least every 50 ms.
    int n = ring_buffer__poll(skel_->rb, 50);
    if (n >= 0) n = ring_buffer__consume(skel_->rb);
    if (n < 0 && n != -EINTR) {
      spdlog::error("prefetch tracer: ring buffer poll failed: {}", std::strerror(-n));
      return;
    }
    assembler_->Expire(MonotonicNs(), done);
    assembler_->TakePrefetched(prefetched);
    for (const auto& [kdev, ino] : assembler_->TakeForgotten()) {
      struct {
        uint64_t dev, ino;
      } key{kdev, ino};
      bpf_map_delete_elem(named_fd, &key);
    }
    std::lock_guard lock(mu_);
    for (auto& t : done) {
      if (traces_.size() >= options_.max_pending_traces) traces_dropped_++;
      else traces_.push_back(std::move(t));
    }
    done.clear();
    if (prefetched_.size() + prefetched.size() <= kMaxPendingPrefetched)
      prefetched_.insert(prefetched_.end(), prefetched.begin(), prefetched.end());
    prefetched.clear();
    assembler_stats_ = assembler_->stats();
  }
}

void PageTracer::AddPrefetchThread(int32_t tid) {
  uint8_t one = 1;
  uint32_t key = static_cast<uint32_t>(tid);
  bpf_map_update_elem(bpf_map__fd(skel_->obj->maps.prefetch_threads), &key, &one, BPF_ANY);
}

uint64_t PageTracer::LostRecords() const {
  int cpus = libbpf_num_possible_cpus();
  std::vector<uint64_t> values(cpus > 0 ? cpus : 1, 0);
  uint32_t zero = 0;
  bpf_map_lookup_elem(bpf_map__fd(skel_->obj->maps.lost), &zero, values.data());
  uint64_t sum = 0;
  for (uint64_t v : values) sum += v;
  return sum;
}

#else  // !HOSTMIND_HAVE_BPF_SENSOR

struct PageTracer::Skeleton {};
Status PageTracer::Probe() {
  return Status::Unavailable("prefetch tracer: compiled out (kernel BTF, clang or bpftool was missing at build time)");
}
Result<std::unique_ptr<PageTracer>> PageTracer::Start(const PageTracerOptions&) { return Probe(); }
Status PageTracer::Load() { return Probe(); }
int PageTracer::OnRecord(void*, void*, size_t) { return 0; }
void PageTracer::Poll(std::stop_token) {}
void PageTracer::AddPrefetchThread(int32_t) {}
uint64_t PageTracer::LostRecords() const { return 0; }

#endif

}  // namespace hostmind
