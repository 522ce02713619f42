#include "act/prefetch_ledger.h"

#include <algorithm>

namespace hostmind {

JobRecord* PrefetchLedger::Find(uint64_t id) {
  // Ids grow with time: search from the newest.
  for (auto it = jobs_.rbegin(); it != jobs_.rend(); ++it)
    if (it->id == id) return &*it;
  return nullptr;
}

void PrefetchLedger::Planned(JobRecord job, const std::vector<PrefetchRead>& plan) {
  job.reads = plan.size();
  job.bytes_planned = 0;
  for (const PrefetchRead& r : plan) {
    job.bytes_planned += r.pages.count * kPageBytes;
    if (r.ino != 0) file_job_[{r.dev, r.ino}] = job.id;
  }
  totals_.jobs++;
  jobs_.push_back(std::move(job));
  while (jobs_.size() > max_jobs_) jobs_.pop_front();
  // Forget attributions to jobs that are gone (bounded by the number of files of kept jobs).
  if (file_job_.size() > 64 * max_jobs_) {
    uint64_t oldest = jobs_.front().id;
    std::erase_if(file_job_, [&](const auto& kv) { return kv.second < oldest; });
  }
}

void PrefetchLedger::Issued(const PrefetchResult& r) {
  JobRecord* j = Find(r.id);
  if (!j) return;
  j->issued = true;
  j->bytes_requested = r.bytes_requested;
  j->files_opened = r.files_opened;
  j->files_missing = r.files_missing;
  j->directories = r.directories;
  j->cached = r.cached;
  j->queue_us = r.queue_us;
  j->issue_us = r.issue_us;
  for (const PrefetchFile& f : r.files) file_job_[{f.dev, f.ino}] = r.id;
}

void PrefetchLedger::Brought(const std::vector<PrefetchedPages>& pages, TimeMs now) {
  for (const PrefetchedPages& p : pages) {
    auto owner = file_job_.find({p.dev, p.ino});
    uint64_t job = owner == file_job_.end() ? 0 : owner->second;
    totals_.pages_in += p.pages.count;
    if (JobRecord* j = job ? Find(job) : nullptr) j->pages_in += p.pages.count;
    else totals_.pages_unattributed += p.pages.count;
    std::vector<Pending>& per_job = pending_[{p.dev, p.ino}];
    auto pend = std::find_if(per_job.begin(), per_job.end(), [&](const Pending& x) { return x.job == job; });
    if (pend == per_job.end()) pend = per_job.insert(per_job.end(), Pending{job, {}, now});
    pend->since = now;
    AddPages(pend->pages, p.pages);
  }
}

uint64_t PrefetchLedger::Used(const StartupTrace& trace) {
  uint64_t hits = 0;
  for (const FileTouch& f : trace.files) {
    auto it = pending_.find({f.dev, f.ino});
    if (it == pending_.end()) continue;
    for (Pending& p : it->second) {
      uint64_t hit;
      if (f.pages.empty()) {  // the tracer could not tell pages: the file was used
        hit = TotalPages(p.pages);
        p.pages.clear();
      } else {
        hit = OverlapPages(p.pages, f.pages);
        RemovePages(p.pages, f.pages);
      }
      totals_.pages_hit += hit;
      hits += hit;
      if (JobRecord* j = p.job ? Find(p.job) : nullptr) j->pages_hit += hit;
    }
    std::erase_if(it->second, [](const Pending& p) { return p.pages.empty(); });
    if (it->second.empty()) pending_.erase(it);
  }
  return hits;
}

void PrefetchLedger::Expire(TimeMs now) {
  std::map<uint64_t, bool> waiting;  // jobs with pages still pending
  for (auto it = pending_.begin(); it != pending_.end();) {
    std::erase_if(it->second, [&](const Pending& p) {
      if (now - p.since < window_ms_) {
        waiting[p.job] = true;
        return false;
      }
      uint64_t waste = TotalPages(p.pages);
      totals_.pages_wasted += waste;
      if (JobRecord* j = p.job ? Find(p.job) : nullptr) j->pages_wasted += waste;
      return true;
    });
    it = it->second.empty() ? pending_.erase(it) : std::next(it);
  }
  for (JobRecord& j : jobs_)
    if (!j.final && now - j.ts >= window_ms_ && !waiting.count(j.id)) j.final = true;
}

uint64_t PrefetchLedger::pending_pages() const {
  uint64_t n = 0;
  for (const auto& [k, per_job] : pending_)
    for (const Pending& p : per_job) n += TotalPages(p.pages);
  return n;
}

}  // namespace hostmind
