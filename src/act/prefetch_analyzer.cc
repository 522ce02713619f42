#include "act/prefetch_analyzer.h"

#include <algorithm>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "core/metric_catalog.h"

namespace hostmind {

namespace {

constexpr TimeMs kRebuildEveryMs = 10 * kMsPerSecond;   // per program, at most
constexpr TimeMs kSaveEveryMs = 10 * kMsPerMinute;
constexpr TimeMs kViewsEveryMs = 2 * kMsPerSecond;      // API snapshots of programs and jobs
constexpr TimeMs kExecCooldownMs = kMsPerSecond;        // one exec prefetch per program per second
constexpr size_t kMaxExecJobsPerSecond = 20;            // bounds CPU and audit rows on exec storms
constexpr size_t kMaxQueued = 4096;                     // hand-over queues between threads
const char* const kProfilesModel = "prefetch.profiles";
const char* const kLaunchesModel = "prefetch.launches";

void DescribeMetrics() {
  DescribeMetric("hostmind_prefetch_up", "1 when launches are traced for prefetching (eBPF or fanotify), 0 when not.");
  DescribeMetric("hostmind_prefetch_programs", "Programs with a learnt startup profile.");
  DescribeMetric("hostmind_prefetch_launches_learnt_total", "Launches whose startup reads were learnt.");
  DescribeMetric("hostmind_prefetch_jobs_total", "Prefetches submitted (at exec or for a predicted launch).");
  DescribeMetric("hostmind_prefetch_brought_bytes_total", "Bytes prefetching brought into the page cache.");
  DescribeMetric("hostmind_prefetch_hit_bytes_total", "Prefetched bytes later used by a launch.");
  DescribeMetric("hostmind_prefetch_wasted_bytes_total", "Prefetched bytes not used within the accounting window.");
  DescribeMetric("hostmind_prefetch_pending_bytes", "Prefetched bytes not yet used, within the accounting window.");
  DescribeMetric("hostmind_prefetch_hit_ratio", "Share of the prefetched bytes accounted so far that were used.");
  DescribeMetric("hostmind_prefetch_skipped_total", "Prefetches not made, by reason.");
  DescribeMetric("hostmind_prefetch_tracer_records_total", "Records received from the prefetch tracer.");
  DescribeMetric("hostmind_prefetch_tracer_lost_total", "Tracer records the kernel could not deliver (buffer full).");
  DescribeMetric("hostmind_prefetch_traces_dropped_total", "Startup traces dropped before they were learnt.");
  DescribeMetric("hostmind_prefetch_files_unnamed_total", "Files touched by a launch whose path could not be told.");
}

}  // namespace

PrefetchAnalyzer::PrefetchAnalyzer(const PrefetchConfig& config, StartupTraceSource* source, std::string unavailable,
                                   PrefetchHooks hooks, FileLocator locate)
    : config_(config),
      source_(source),
      unavailable_(std::move(unavailable)),
      hooks_(std::move(hooks)),
      locate_(std::move(locate)),
      mode_(ParseActMode(config.mode).value_or(ActMode::kObserve)),
      profiles_([&] {
        StartupProfileLimits l;
        l.max_programs = static_cast<size_t>(config.max_programs);
        return l;
      }()),
      launches_([&] {
        LaunchModelLimits l;
        l.max_programs = 2 * static_cast<size_t>(config.max_programs);
        l.follow_horizon_ms = config.predict_horizon_ms;
        return l;
      }()),
      ledger_(config.learn_window_ms + config.predict_horizon_ms + 10 * kMsPerSecond),
      plans_(std::make_shared<PlanBook>()) {
  DescribeMetrics();
  plan_options_.min_probability = config.min_probability;
  plan_options_.min_child_probability = config.child_min_probability;
  plan_options_.max_bytes = config.memory_budget;
  plan_options_.slice_ms = config.order_slice_ms;
  plan_options_.max_directories = static_cast<size_t>(config.warm_directories);
  if (hooks_.load_model) {
    if (auto blob = hooks_.load_model(kProfilesModel))
      if (Status s = profiles_.Load(*blob); !s.ok()) spdlog::warn("prefetch: starting afresh: {}", s.ToString());
    if (auto blob = hooks_.load_model(kLaunchesModel))
      if (Status s = launches_.Load(*blob); !s.ok()) spdlog::warn("prefetch: starting afresh: {}", s.ToString());
  }
  for (const ProgramSummary& p : profiles_.Programs()) dirty_.insert(p.key);
  if (source_) {
    prefetcher_ = std::make_unique<Prefetcher>(
        PrefetcherOptions{config.io_threads, config.io_piece}, [this](int32_t tid) { source_->AddPrefetchThread(tid); },
        [this](PrefetchResult r) {
          std::lock_guard lock(mu_);
          if (results_.size() < kMaxQueued) results_.push_back(std::move(r));
        });
    source_->SetExecCallback([this](const ExecNotice& n) { OnExec(n); });
  }
}

PrefetchAnalyzer::~PrefetchAnalyzer() {
  if (source_) source_->SetExecCallback(nullptr);
  prefetcher_.reset();
  SaveModels();
}

void PrefetchAnalyzer::SetMode(ActMode mode) {
  mode_.store(mode);
  if (mode != ActMode::kEnforce && prefetcher_) prefetcher_->CancelQueued();
}

std::string PrefetchAnalyzer::Key(const ExecNotice& n) const {
  return n.exe.empty() ? "" : LaunchKey(n.exe, n.argv, config_.interpreters);
}

std::shared_ptr<const PrefetchAnalyzer::PlanEntry> PrefetchAnalyzer::FindPlan(const std::string& key) const {
  std::shared_ptr<const PlanBook> book;
  {
    std::lock_guard lock(mu_);
    book = plans_;
  }
  auto it = book->find(key);
  return it == book->end() ? nullptr : it->second;
}

void PrefetchAnalyzer::Skip(const std::string& why) {
  std::lock_guard lock(mu_);
  skipped_[why]++;
}

void PrefetchAnalyzer::OnExec(const ExecNotice& n) {
  {
    std::lock_guard lock(mu_);
    if (execs_.size() < kMaxQueued) execs_.push_back(n);
  }
  const std::string key = Key(n);
  auto plan = key.empty() ? nullptr : FindPlan(key);
  if (!plan || plan->reads.empty()) return;  // nothing learnt yet
  const TimeMs now = n.ts;
  {
    std::lock_guard lock(mu_);
    if (CoveredByAncestor(n, key)) {
      skipped_["covered by its parent's prefetch"]++;
      return;
    }
    TimeMs& last = exec_prefetched_[key];
    if (now - last < kExecCooldownMs) {
      skipped_["cooldown"]++;
      return;
    }
    while (!recent_jobs_.empty() && now - recent_jobs_.front() >= kMsPerSecond) recent_jobs_.pop_front();
    if (recent_jobs_.size() >= kMaxExecJobsPerSecond) {
      skipped_["rate limit"]++;
      return;
    }
    last = now;
    recent_jobs_.push_back(now);
  }
  if (mem_available_.load() == 0) return Skip("no memory figures (memory collector disabled?)");
  if (psi_some_.load() > config_.psi_limit) return Skip("memory pressure");
  uint64_t budget = std::min<uint64_t>(config_.memory_budget, mem_available_.load() / 4);
  Submit(PrefetchReason::kExec, key, n.pid, now, 0, plan, budget,
         fmt::format("{} was exec'd (pid {}): reads learnt from {} launches", key, n.pid, plan->learnt_from));
}

void PrefetchAnalyzer::Submit(PrefetchReason reason, const std::string& key, int32_t pid, TimeMs now, TimeMs launch_in_ms,
                              std::shared_ptr<const PlanEntry> plan, uint64_t budget, const std::string& why) {
  const ActMode mode = mode_.load();
  if (mode == ActMode::kObserve) return Skip("observe mode");
  PrefetchJob job;
  job.reason = reason;
  job.key = key;
  job.pid = pid;
  job.ts = now;
  job.launch_in_ms = launch_in_ms;
  job.stop_if_cached = reason == PrefetchReason::kExec;
  uint64_t bytes = 0;
  for (const PrefetchRead& r : plan->reads) {  // the plan is in issue order: keep its start
    uint64_t b = r.pages.count * kPageBytes;
    if (bytes + b > budget) break;
    bytes += b;
    job.reads.push_back(r);
  }
  JobRecord record;
  record.reason = reason;
  record.key = key;
  record.pid = pid;
  record.ts = now;
  Action a;
  a.ts = now;
  a.actuator = "prefetch";
  a.mode = mode;
  a.status = mode == ActMode::kEnforce ? ActionStatus::kApplied : ActionStatus::kRecommended;
  a.target = pid ? fmt::format("{} (pid {})", key, pid) : key;
  a.knob = "page cache";
  a.new_value = fmt::format("{} reads, {:.1f} MiB ({})", job.reads.size(), bytes / 1048576.0, PrefetchReasonName(reason));
  a.reason = why;
  a.inputs = {{"plan_reads", std::to_string(plan->reads.size())},
              {"plan_bytes", std::to_string(plan->bytes)},
              {"budget_bytes", std::to_string(budget)},
              {"memory_available_bytes", std::to_string(mem_available_.load())},
              {"memory_free_bytes", std::to_string(mem_free_.load())},
              {"memory_pressure_some", fmt::format("{:.3f}", psi_some_.load())}};
  std::vector<PrefetchRead> reads = job.reads;
  {
    std::lock_guard lock(mu_);
    record.id = job.id = next_job_++;
    a.inputs.emplace_back("job", std::to_string(job.id));
    if (submitted_.size() >= kMaxQueued) {
      skipped_["queue full"]++;
      return;
    }
    submitted_.push_back({record, std::move(reads)});
    decisions_.push_back(std::move(a));
    if (reason == PrefetchReason::kExec && mode == ActMode::kEnforce && job.reads.size() == plan->reads.size()) {
      std::erase_if(covering_, [&](const auto& kv) { return now - kv.second.ts > config_.learn_window_ms; });
      covering_[pid] = {now, plan};
    }
  }
  if (mode == ActMode::kEnforce) prefetcher_->Submit(std::move(job));
}

void PrefetchAnalyzer::ReadMemory(const Batch& batch) {
  for (const Sample& s : batch.samples) {
    const std::string& name = s.key.name();
    if (name == "hostmind_memory_free_bytes") mem_free_.store(static_cast<uint64_t>(s.value));
    else if (name == "hostmind_memory_available_bytes") mem_available_.store(static_cast<uint64_t>(s.value));
    else if (name == "hostmind_pressure_stall_ratio" && s.key.label("resource") == "memory" &&
             s.key.label("kind") == "some")
      psi_some_.store(s.value);
  }
}

void PrefetchAnalyzer::Learn(const StartupTrace& t) {
  const std::string key = Key(t.exec);
  if (key.empty()) return;
  profiles_.Learn(key, t, t.exec.ts);
  std::vector<std::pair<std::string, TimeMs>> children;
  for (const ExecNotice& c : t.children)
    if (std::string k = Key(c); !k.empty()) children.emplace_back(k, c.ts - t.exec.ts);
  launches_.ObserveChildren(key, children);
  ledger_.Used(t);
  launches_learnt_++;
  dirty_.insert(key);
}

bool PrefetchAnalyzer::CoveredByAncestor(const ExecNotice& n, const std::string& key) {
  auto it = n.parent_launch == 0 ? covering_.end() : covering_.find(n.parent_launch);
  if (it == covering_.end() || n.ts - it->second.ts > config_.learn_window_ms) return false;
  const std::vector<std::string>& programs = it->second.plan->programs;  // sorted
  if (!std::binary_search(programs.begin(), programs.end(), key)) return false;
  covering_[n.pid] = it->second;
  return true;
}

void PrefetchAnalyzer::RebuildPlans(TimeMs now) {
  std::vector<std::string> build;
  for (const std::string& key : dirty_)
    if (now - built_[key] >= kRebuildEveryMs) build.push_back(key);
  std::shared_ptr<const PlanBook> current;
  {
    std::lock_guard lock(mu_);
    current = plans_;
  }
  bool evicted = current->size() > profiles_.Programs().size();
  if (build.empty() && !evicted) return;
  auto book = std::make_shared<PlanBook>(*current);
  std::erase_if(*book, [&](const auto& kv) { return !profiles_.Summary(kv.first); });
  for (const std::string& key : build) {
    dirty_.erase(key);
    built_[key] = now;
    auto summary = profiles_.Summary(key);
    if (!summary) continue;
    auto entry = std::make_shared<PlanEntry>();
    entry->reads = BuildPlan(key, profiles_, launches_, plan_options_, locate_, &entry->programs);
    entry->bytes = PlanBytes(entry->reads);
    entry->learnt_from = summary->launches;
    (*book)[key] = std::move(entry);
  }
  std::erase_if(built_, [&](const auto& kv) { return !book->count(kv.first) && !dirty_.count(kv.first); });
  std::lock_guard lock(mu_);
  plans_ = std::move(book);
}

void PrefetchAnalyzer::Predict(TimeMs now) {
  if (now - last_predict_ < config_.predict_interval_ms) return;
  last_predict_ = now;
  std::vector<LaunchPrediction> preds = launches_.Next(now, config_.predict_min_probability);
  {
    std::lock_guard lock(mu_);
    predictions_view_ = preds;
  }
  if (!config_.predict || !prefetcher_) return;
  const ActMode mode = mode_.load();
  for (const LaunchPrediction& p : preds) {
    auto plan = FindPlan(p.key);
    if (!plan || plan->reads.empty()) continue;
    auto last = predicted_.find(p.key);
    const TimeMs since = last == predicted_.end() ? -1 : now - last->second;
    // A program stays predicted while what it follows keeps being launched. Enforcing, its
    // guess is read again only when its pages have left the cache since (memory pressure took
    // them, or a cache drop): a steady prediction costs a residency check per interval, not a
    // re-read. Observing or recommending, one guess per horizon is planned and audited.
    if (mode != ActMode::kEnforce && since >= 0 && since < config_.predict_horizon_ms) continue;
    if (mode == ActMode::kEnforce && PlanResident(plan->reads)) continue;
    predicted_[p.key] = now;
    // A guess may only use free memory beyond the reserve, and never under any pressure.
    uint64_t free = mem_free_.load();
    uint64_t room = free > config_.guess_reserve ? free - config_.guess_reserve : 0;
    if (psi_some_.load() > 0) {
      Skip("memory pressure (guess)");
      continue;
    }
    if (room < plan->bytes) {
      Skip("no free memory for a guess");
      continue;
    }
    Submit(PrefetchReason::kPredicted, p.key, 0, now, p.delay_ms, plan, std::min(room, config_.memory_budget),
           fmt::format("{} is expected within {} s ({:.0f}%): {}{}", p.key, config_.predict_horizon_ms / 1000,
                       100 * p.probability, p.why,
                       since >= 0 ? fmt::format("; its pages left the cache since the guess {} s ago", since / 1000)
                                  : ""));
  }
  std::erase_if(predicted_, [&](const auto& kv) { return now - kv.second > config_.predict_horizon_ms; });
}

void PrefetchAnalyzer::Analyze(const Batch& batch, Analysis& out) {
  const TimeMs now = batch.ts;
  ReadMemory(batch);
  if (source_) {
    // Pages first, then the jobs: a job is queued before its reads start, so every page drained
    // here has its job in the queues swapped below.
    std::vector<PrefetchedPages> brought;
    source_->DrainPrefetched(brought);
    std::deque<ExecNotice> execs;
    std::deque<std::pair<JobRecord, std::vector<PrefetchRead>>> submitted;
    std::deque<PrefetchResult> results;
    std::deque<Action> decisions;
    {
      std::lock_guard lock(mu_);
      execs.swap(execs_);
      submitted.swap(submitted_);
      results.swap(results_);
      decisions.swap(decisions_);
    }
    for (const ExecNotice& e : execs)
      if (std::string key = Key(e); !key.empty()) launches_.ObserveLaunch(key, e.ts, e.parent_launch == 0);
    for (auto& [job, reads] : submitted) ledger_.Planned(job, reads);
    for (const PrefetchResult& r : results) ledger_.Issued(r);
    ledger_.Brought(brought, now);
    std::vector<StartupTrace> traces;
    source_->DrainTraces(traces);
    for (const StartupTrace& t : traces) Learn(t);
    ledger_.Expire(now);
    if (hooks_.audit)
      for (Action& a : decisions) hooks_.audit(a);
    RebuildPlans(now);
    Predict(now);
    if (now - last_save_ >= kSaveEveryMs) {
      if (last_save_ != 0) SaveModels();
      last_save_ = now;
    }
  }
  if (!unavailable_.empty() && !reported_unavailable_) {
    reported_unavailable_ = true;
    Finding f;
    f.ts = now;
    f.kind = FindingKind::kHealth;
    f.severity = source_ ? Severity::kInfo : Severity::kWarning;
    f.subject = "prefetch";
    f.summary = source_ ? "prefetching works with less precision: " + unavailable_
                        : "prefetching cannot learn on this host: " + unavailable_;
    f.facts = {{"tracer", source_ ? source_->name() : "none"}, {"reason", unavailable_}};
    out.findings.push_back(std::move(f));
  }
  // At most once a second: every collector's batch passes here.
  if (now - last_export_ >= kMsPerSecond) {
    last_export_ = now;
    Export(now, out);
  }
  if (now - last_views_ >= kViewsEveryMs) {
    last_views_ = now;
    UpdateViews();
  }
}

void PrefetchAnalyzer::SaveModels() {
  if (!hooks_.save_model) return;
  hooks_.save_model(kProfilesModel, profiles_.Save());
  hooks_.save_model(kLaunchesModel, launches_.Save());
}

}  // namespace hostmind

namespace hostmind {

void PrefetchAnalyzer::Export(TimeMs now, Analysis& out) {
  auto gauge = [&](SeriesKey key, double v) { out.samples.push_back({std::move(key), v, now, MetricKind::kGauge}); };
  auto counter = [&](SeriesKey key, double v) { out.samples.push_back({std::move(key), v, now, MetricKind::kCounter}); };
  const LedgerTotals& t = ledger_.totals();
  TraceSourceStats src = source_ ? source_->Stats() : TraceSourceStats{};
  gauge(SeriesKey("hostmind_prefetch_up"), source_ ? 1 : 0);
  gauge(SeriesKey("hostmind_prefetch_programs"), static_cast<double>(profiles_.size()));
  counter(SeriesKey("hostmind_prefetch_launches_learnt_total"), static_cast<double>(launches_learnt_));
  counter(SeriesKey("hostmind_prefetch_jobs_total"), static_cast<double>(t.jobs));
  counter(SeriesKey("hostmind_prefetch_brought_bytes_total"), static_cast<double>(t.pages_in * kPageBytes));
  counter(SeriesKey("hostmind_prefetch_hit_bytes_total"), static_cast<double>(t.pages_hit * kPageBytes));
  counter(SeriesKey("hostmind_prefetch_wasted_bytes_total"), static_cast<double>(t.pages_wasted * kPageBytes));
  uint64_t pending = ledger_.pending_pages();
  gauge(SeriesKey("hostmind_prefetch_pending_bytes"), static_cast<double>(pending * kPageBytes));
  if (t.pages_hit + t.pages_wasted > 0)
    gauge(SeriesKey("hostmind_prefetch_hit_ratio"),
          static_cast<double>(t.pages_hit) / static_cast<double>(t.pages_hit + t.pages_wasted));
  counter(SeriesKey("hostmind_prefetch_tracer_records_total"), static_cast<double>(src.records));
  counter(SeriesKey("hostmind_prefetch_tracer_lost_total"), static_cast<double>(src.lost));
  counter(SeriesKey("hostmind_prefetch_traces_dropped_total"), static_cast<double>(src.traces_dropped));
  counter(SeriesKey("hostmind_prefetch_files_unnamed_total"), static_cast<double>(src.files_unnamed));
  std::lock_guard lock(mu_);
  for (const auto& [why, n] : skipped_)
    counter(SeriesKey("hostmind_prefetch_skipped_total", {{"reason", why}}), static_cast<double>(n));
  status_.mode = mode_.load();
  status_.tracer = source_ ? source_->name() : "";
  status_.unavailable = unavailable_;
  status_.exact_pages = source_ && source_->exact_pages();
  status_.programs = profiles_.size();
  status_.launches_learnt = launches_learnt_;
  status_.totals = t;
  status_.pending_pages = pending;
  status_.skipped = skipped_;
  status_.source = src;
}

void PrefetchAnalyzer::UpdateViews() {
  std::vector<ProgramSummary> programs = profiles_.Programs();
  std::vector<ProgramView> views;
  std::shared_ptr<const PlanBook> book;
  {
    std::lock_guard lock(mu_);
    book = plans_;
  }
  for (const ProgramSummary& p : programs) {
    ProgramView v;
    v.summary = p;
    v.children = launches_.Children(p.key, config_.child_min_probability);
    if (auto it = book->find(p.key); it != book->end()) {
      v.plan_reads = it->second->reads.size();
      v.plan_bytes = it->second->bytes;
    }
    views.push_back(std::move(v));
  }
  std::vector<JobRecord> jobs = ledger_.Jobs();
  std::lock_guard lock(mu_);
  programs_view_ = std::move(views);
  jobs_view_ = std::move(jobs);
}

PrefetchStatus PrefetchAnalyzer::Overview() const {
  std::lock_guard lock(mu_);
  PrefetchStatus s = status_;
  s.mode = mode_.load();
  return s;
}

std::vector<ProgramView> PrefetchAnalyzer::Programs(size_t limit) const {
  std::lock_guard lock(mu_);
  return {programs_view_.begin(), programs_view_.begin() + static_cast<std::ptrdiff_t>(std::min(limit, programs_view_.size()))};
}

std::optional<std::vector<PrefetchRead>> PrefetchAnalyzer::PlanOf(const std::string& key) const {
  auto plan = FindPlan(key);
  if (!plan) return std::nullopt;
  return plan->reads;
}

std::vector<JobRecord> PrefetchAnalyzer::Jobs(size_t limit) const {
  std::lock_guard lock(mu_);
  return {jobs_view_.begin(), jobs_view_.begin() + static_cast<std::ptrdiff_t>(std::min(limit, jobs_view_.size()))};
}

std::vector<LaunchPrediction> PrefetchAnalyzer::Predictions() const {
  std::lock_guard lock(mu_);
  return predictions_view_;
}

}  // namespace hostmind
