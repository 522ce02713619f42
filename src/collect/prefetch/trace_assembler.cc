#include "collect/prefetch/trace_assembler.h"

#include <sys/sysmacros.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <utility>

extern "C" {
#include "prefetch_abi.h"
}

namespace hostmind {

namespace {

constexpr uint64_t kNsPerMs = 1000000;

template <typename T>
bool Read(std::string_view rec, T& out) {
  if (rec.size() < sizeof(T)) return false;
  std::memcpy(&out, rec.data(), sizeof(T));
  return true;
}

std::vector<std::string> SplitNul(std::string_view buf) {
  std::vector<std::string> out;
  size_t start = 0;
  for (size_t i = 0; i <= buf.size(); ++i) {
    if (i == buf.size() || buf[i] == '\0') {
      if (i > start) out.emplace_back(buf.substr(start, i - start));
      start = i + 1;
    }
  }
  return out;
}

}  // namespace

uint64_t UserDev(uint64_t kdev) { return makedev(static_cast<unsigned>(kdev >> 20), static_cast<unsigned>(kdev & 0xfffff)); }

TraceAssembler::TraceAssembler(AssemblerOptions options, TimeMs monotonic_to_wall_ms, PathResolver resolve)
    : options_(options), offset_ms_(monotonic_to_wall_ms), resolve_(std::move(resolve)) {}

Status TraceAssembler::Feed(std::string_view rec, std::vector<ExecNotice>& execs) {
  stats_.records++;
  pf_header h{};
  bool ok = Read(rec, h);
  if (ok) {
    switch (h.kind) {
      case PF_EXEC: ok = rec.size() >= sizeof(pf_exec); if (ok) OnExec(rec, execs); break;
      case PF_TOUCH: ok = rec.size() >= sizeof(pf_pages); if (ok) OnPages(rec, false); break;
      case PF_ADDED: ok = rec.size() >= sizeof(pf_pages); if (ok) OnPages(rec, true); break;
      case PF_NAME: ok = rec.size() >= sizeof(pf_name); if (ok) OnName(rec); break;
      case PF_EXIT: OnExit(rec); break;
      default: ok = false;
    }
  }
  if (ok) return Status::Ok();
  stats_.corrupt++;
  return Status::Corrupt("prefetch tracer: truncated or unknown record of " + std::to_string(rec.size()) + " bytes");
}

std::string TraceAssembler::ResolveComponents(uint64_t kdev, std::string_view comps, bool truncated) const {
  if (truncated) return "";
  std::vector<std::string> parts = SplitNul(comps);
  std::string fs_path;
  for (auto it = parts.rbegin(); it != parts.rend(); ++it) fs_path += "/" + *it;
  if (fs_path.empty()) fs_path = "/";
  return resolve_(kdev, fs_path);
}

void TraceAssembler::OnExec(std::string_view rec, std::vector<ExecNotice>& execs) {
  auto e = std::make_unique<pf_exec>();
  Read(rec, *e);
  ExecNotice n;
  n.pid = static_cast<int32_t>(e->h.pid);
  n.ppid = static_cast<int32_t>(e->ppid);
  n.ts = Wall(e->h.ts_ns);
  n.exe = ResolveComponents(e->dev, std::string_view(e->path, std::min<size_t>(e->path_len, sizeof e->path)),
                            e->path_truncated != 0);
  n.argv = SplitNul(std::string_view(e->args, std::min<size_t>(e->args_len, sizeof e->args)));
  n.parent_launch = static_cast<int32_t>(e->parent_launch);
  auto parent = launches_.find(e->parent_launch);
  if (parent != launches_.end() && e->h.ts_ns <= parent->second.exec_ns + static_cast<uint64_t>(options_.window_ms) * kNsPerMs)
    parent->second.children.push_back(n);
  // The same process exec'ing again (a wrapper's `exec`) ends the launch it was.
  if (auto same = launches_.find(e->h.pid); same != launches_.end()) {
    closed_.push_back(Close(same->second));
    launches_.erase(same);
  }
  if (launches_.size() >= options_.max_launches) {
    stats_.launches_untraced++;
  } else {
    Launch& l = launches_[e->h.pid];
    l.notice = n;
    l.exec_ns = e->h.ts_ns;
    l.close_ns = e->h.ts_ns + static_cast<uint64_t>(options_.window_ms) * kNsPerMs;
  }
  execs.push_back(std::move(n));
}

void TraceAssembler::OnPages(std::string_view rec, bool added) {
  pf_pages p{};
  Read(rec, p);
  PageRange r{p.first, p.count};
  if (added && p.h.launch == 0) {
    uint64_t dev = UserDev(p.dev);
    if (!prefetched_.empty() && prefetched_.back().dev == dev && prefetched_.back().ino == p.ino &&
        prefetched_.back().pages.end() == r.first)
      prefetched_.back().pages.count += r.count;  // readahead adds folios in order
    else
      prefetched_.push_back({dev, p.ino, r});
    return;
  }
  auto it = launches_.find(p.h.launch);
  if (it == launches_.end()) return;
  if (added) {
    it->second.pages_read += r.count;
    if (!options_.misses_as_touches) return;
  }
  Touch(it->second, p.dev, p.ino, p.h.ts_ns, r);
}

void TraceAssembler::Touch(Launch& l, uint64_t kdev, uint64_t ino, uint64_t ts_ns, PageRange r) {
  auto [it, inserted] = l.index.try_emplace({kdev, ino}, l.files.size());
  if (inserted) {
    if (l.files.size() >= options_.max_files) {
      l.index.erase(it);
      return;
    }
    l.files.push_back({kdev, ino, ts_ns, {}});
  }
  FileState& f = l.files[it->second];
  f.first_ns = std::min(f.first_ns, ts_ns);
  AddPages(f.pages, r);
}

void TraceAssembler::OnName(std::string_view rec) {
  auto n = std::make_unique<pf_name>();
  Read(rec, *n);
  names_[{n->dev, n->ino}] =
      ResolveComponents(n->dev, std::string_view(n->path, std::min<size_t>(n->path_len, sizeof n->path)),
                        n->path_truncated != 0);
  if (names_.size() <= options_.max_names) return;
  // Forget an eighth at once (the kernel resends a name the next time the file is touched).
  size_t drop = std::max<size_t>(1, options_.max_names / 8);
  for (auto it = names_.begin(); it != names_.end() && drop > 0; --drop) {
    forgotten_.push_back(it->first);
    it = names_.erase(it);
  }
}

void TraceAssembler::OnExit(std::string_view rec) {
  pf_header h{};
  Read(rec, h);
  if (h.pid != h.launch) return;  // a forked helper: the launch goes on
  auto it = launches_.find(h.pid);
  if (it == launches_.end()) return;
  it->second.exited = true;
  it->second.close_ns = std::min<uint64_t>(it->second.close_ns, h.ts_ns + static_cast<uint64_t>(options_.exit_grace_ms) * kNsPerMs);
}

StartupTrace TraceAssembler::Close(Launch& l) {
  StartupTrace t;
  t.exec = l.notice;
  t.window_ms = options_.window_ms;
  t.pages_read = l.pages_read;
  t.misses_known = true;
  t.exited = l.exited;
  t.children = std::move(l.children);
  std::sort(l.files.begin(), l.files.end(),
            [](const FileState& a, const FileState& b) { return a.first_ns < b.first_ns; });
  for (FileState& f : l.files) {
    auto name = names_.find({f.kdev, f.ino});
    if (name == names_.end() || name->second.empty()) {
      stats_.files_unnamed++;
      continue;
    }
    FileTouch touch;
    touch.path = name->second;
    touch.dev = UserDev(f.kdev);
    touch.ino = f.ino;
    touch.first_ms = f.first_ns > l.exec_ns ? static_cast<TimeMs>((f.first_ns - l.exec_ns) / kNsPerMs) : 0;
    touch.pages = std::move(f.pages);
    t.files.push_back(std::move(touch));
  }
  stats_.traces++;
  return t;
}

void TraceAssembler::Expire(uint64_t now_ns, std::vector<StartupTrace>& out) {
  for (auto& t : closed_) out.push_back(std::move(t));
  closed_.clear();
  for (auto it = launches_.begin(); it != launches_.end();) {
    if (it->second.close_ns > now_ns) {
      ++it;
      continue;
    }
    out.push_back(Close(it->second));
    it = launches_.erase(it);
  }
}

void TraceAssembler::TakePrefetched(std::vector<PrefetchedPages>& out) {
  for (auto& p : prefetched_) out.push_back(p);
  prefetched_.clear();
}

std::vector<std::pair<uint64_t, uint64_t>> TraceAssembler::TakeForgotten() { return std::exchange(forgotten_, {}); }

}  // namespace hostmind
