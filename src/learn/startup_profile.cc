#include "learn/startup_profile.h"

#include <algorithm>
#include <cmath>

#include "core/sorted_entries.h"

namespace hostmind {

namespace {

constexpr std::string_view kMagic = "hmSTP1";
// First-touch times are smoothed so that one slow launch does not reorder the plan.
constexpr float kFirstTouchAlpha = 0.3f;

std::string BaseName(const std::string& path) {
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

bool MatchesPattern(const std::string& name, const std::string& pattern) {
  if (!pattern.empty() && pattern.back() == '*')
    return name.compare(0, pattern.size() - 1, pattern, 0, pattern.size() - 1) == 0;
  return name == pattern;
}

}  // namespace

std::string LaunchKey(const std::string& exe, const std::vector<std::string>& argv,
                      const std::vector<std::string>& interpreters) {
  std::string base = BaseName(exe);
  bool interpreter = std::any_of(interpreters.begin(), interpreters.end(),
                                 [&](const std::string& p) { return MatchesPattern(base, p); });
  if (!interpreter) return exe;
  for (size_t i = 1; i < argv.size(); ++i) {
    const std::string& a = argv[i];
    if (a == "-c" || a == "-e") return exe;
    if (a == "-m") return i + 1 < argv.size() ? exe + " -m " + argv[i + 1] : exe;
    if (a.empty() || a[0] == '-') continue;
    return exe + " " + a;
  }
  return exe;
}

void StartupProfiles::Learn(const std::string& key, const StartupTrace& trace, TimeMs now) {
  Program& p = programs_[key];
  total_extents_ -= Extents(p);
  Decay(p);
  p.runs += 1;
  p.launches++;
  p.last_launch = now;
  Merge(p, trace);
  Trim(p);
  total_extents_ += Extents(p);
  EvictFor(key);
}

void StartupProfiles::Decay(Program& p) {
  const float d = static_cast<float>(limits_.decay);
  p.runs *= limits_.decay;
  for (FileEntry& f : p.files) {
    f.weight *= d;
    f.extents.Scale(d);
  }
}

void StartupProfiles::Merge(Program& p, const StartupTrace& trace) {
  std::unordered_map<uint32_t, size_t> index;  // path id -> position in p.files
  for (size_t i = 0; i < p.files.size(); ++i) index[p.files[i].path_id] = i;
  for (const FileTouch& touch : trace.files) {
    if (touch.path.empty()) continue;
    uint32_t id = Intern(touch.path);
    auto [it, inserted] = index.emplace(id, p.files.size());
    if (inserted) {
      FileEntry f;
      f.path_id = id;
      f.first_ms = static_cast<float>(touch.first_ms);
      p.files.push_back(std::move(f));
    } else {
      Release(id);  // the entry already holds a reference
      FileEntry& f = p.files[it->second];
      f.first_ms += kFirstTouchAlpha * (static_cast<float>(touch.first_ms) - f.first_ms);
    }
    FileEntry& f = p.files[it->second];
    f.weight += 1;
    if (touch.pages.empty()) f.whole = true;
    for (const PageRange& r : touch.pages) f.extents.Add(r, 1.0f);
  }
}

void StartupProfiles::Trim(Program& p) {
  const float floor = static_cast<float>(limits_.forget_below * p.runs);
  for (FileEntry& f : p.files) {
    f.extents.Prune(floor);
    f.extents.Bound(limits_.max_file_extents);
  }
  auto forgotten = [&](const FileEntry& f) { return f.weight < floor; };
  for (const FileEntry& f : p.files)
    if (forgotten(f)) Release(f.path_id);
  std::erase_if(p.files, forgotten);
  if (p.files.size() > limits_.max_files) {
    // Keep the most certain files; among equals, the earliest needed.
    std::sort(p.files.begin(), p.files.end(), [](const FileEntry& a, const FileEntry& b) {
      return a.weight != b.weight ? a.weight > b.weight : a.first_ms < b.first_ms;
    });
    for (size_t i = limits_.max_files; i < p.files.size(); ++i) Release(p.files[i].path_id);
    p.files.resize(limits_.max_files);
  }
  std::sort(p.files.begin(), p.files.end(),
            [](const FileEntry& a, const FileEntry& b) { return a.first_ms < b.first_ms; });
}

size_t StartupProfiles::Extents(const Program& p) const {
  size_t n = 0;
  for (const FileEntry& f : p.files) n += f.extents.size() + 1;  // a file counts as one
  return n;
}

void StartupProfiles::Forget(Program& p) {
  total_extents_ -= Extents(p);
  for (const FileEntry& f : p.files) Release(f.path_id);
  p.files.clear();
}

void StartupProfiles::EvictFor(const std::string& keep) {
  while ((programs_.size() > limits_.max_programs || total_extents_ > limits_.max_extents) &&
         programs_.size() > 1) {
    auto victim = programs_.end();
    for (auto it = programs_.begin(); it != programs_.end(); ++it)
      if (it->first != keep && (victim == programs_.end() || it->second.last_launch < victim->second.last_launch))
        victim = it;
    Forget(victim->second);
    programs_.erase(victim);
  }
  if (total_extents_ > limits_.max_extents) {  // one program alone is over the budget
    Program& p = programs_[keep];
    total_extents_ -= Extents(p);
    size_t per_file = std::max<size_t>(1, limits_.max_extents / std::max<size_t>(1, p.files.size()));
    for (FileEntry& f : p.files) f.extents.Bound(per_file);
    total_extents_ += Extents(p);
  }
}

uint32_t StartupProfiles::Intern(const std::string& path) {
  auto it = path_ids_.find(path);
  if (it != path_ids_.end()) {
    path_refs_[it->second]++;
    return it->second;
  }
  uint32_t id;
  if (!free_ids_.empty()) {
    id = free_ids_.back();
    free_ids_.pop_back();
    paths_[id] = path;
    path_refs_[id] = 1;
  } else {
    id = static_cast<uint32_t>(paths_.size());
    paths_.push_back(path);
    path_refs_.push_back(1);
  }
  path_ids_.emplace(path, id);
  return id;
}

void StartupProfiles::Release(uint32_t id) {
  if (--path_refs_[id] > 0) return;
  path_ids_.erase(paths_[id]);
  paths_[id].clear();
  paths_[id].shrink_to_fit();
  free_ids_.push_back(id);
}

std::vector<PlannedRead> StartupProfiles::Plan(const std::string& key, double min_probability,
                                               uint64_t max_pages) const {
  std::vector<PlannedRead> out;
  auto it = programs_.find(key);
  if (it == programs_.end() || it->second.runs <= 0) return out;
  const Program& p = it->second;
  const float min_weight = static_cast<float>(min_probability * p.runs);
  uint64_t budget = max_pages;
  for (const FileEntry& f : p.files) {  // sorted by first touch
    if (budget == 0) break;
    if (f.weight < min_weight) continue;
    const std::string& path = paths_[f.path_id];
    TimeMs at = static_cast<TimeMs>(std::lround(f.first_ms));
    if (f.whole && f.extents.empty()) {
      out.push_back({path, {0, 0}, at, f.weight / p.runs});
      continue;
    }
    for (PageRange r : f.extents.Above(min_weight, limits_.bridge_pages)) {
      if (budget == 0) break;
      r.count = std::min(r.count, budget);
      budget -= r.count;
      // The probability of a bridged range is that of its least likely part, at least min.
      double prob = 1.0;
      for (const WeightedExtent& e : f.extents.extents())
        if (e.first < r.end() && e.end() > r.first && e.weight >= min_weight)
          prob = std::min(prob, static_cast<double>(e.weight) / p.runs);
      out.push_back({path, r, at, prob});
    }
  }
  return out;
}

std::optional<ProgramSummary> StartupProfiles::Summary(const std::string& key) const {
  auto it = programs_.find(key);
  if (it == programs_.end()) return std::nullopt;
  ProgramSummary s{key, it->second.launches, it->second.last_launch, it->second.files.size(), 0};
  for (const FileEntry& f : it->second.files)
    for (const WeightedExtent& e : f.extents.extents()) s.pages += e.count;
  return s;
}

std::vector<ProgramSummary> StartupProfiles::Programs() const {
  std::vector<ProgramSummary> out;
  out.reserve(programs_.size());
  for (const auto& [key, p] : programs_) out.push_back(*Summary(key));
  std::sort(out.begin(), out.end(), [](const ProgramSummary& a, const ProgramSummary& b) {
    return a.last_launch != b.last_launch ? a.last_launch > b.last_launch : a.key < b.key;
  });
  return out;
}

std::string StartupProfiles::Save() const {
  ByteWriter w;
  w.PutRaw(kMagic);
  w.PutVarint(programs_.size());
  for (const auto* entry : SortedEntries(programs_)) {
    const auto& [key, p] = *entry;
    w.PutString(key);
    w.PutDouble(p.runs);
    w.PutVarint(p.launches);
    w.PutSignedVarint(p.last_launch);
    w.PutVarint(p.files.size());
    for (const FileEntry& f : p.files) {
      w.PutString(paths_[f.path_id]);
      w.PutFloat(f.weight);
      w.PutFloat(f.first_ms);
      w.PutVarint(f.whole ? 1 : 0);
      f.extents.Save(w);
    }
  }
  return w.Take();
}

Status StartupProfiles::Load(std::string_view bytes) {
  *this = StartupProfiles(limits_);
  ByteReader r(bytes);
  auto corrupt = [this](const std::string& what) {
    *this = StartupProfiles(limits_);
    return Status::Corrupt("startup profiles: " + what);
  };
  uint64_t n = 0;
  if (!r.Expect(kMagic)) return corrupt("not a saved profile set");
  if (!r.GetBounded(limits_.max_programs, &n)) return corrupt("bad program count");
  for (uint64_t i = 0; i < n; ++i) {
    std::string key;
    Program p;
    uint64_t files = 0;
    int64_t last = 0;
    if (!r.GetString(&key) || !r.GetDouble(&p.runs) || !r.GetVarint(&p.launches) || !r.GetSignedVarint(&last) ||
        !r.GetBounded(limits_.max_files, &files) || !std::isfinite(p.runs) || p.runs < 0)
      return corrupt("truncated program");
    if (programs_.count(key)) return corrupt("program " + key + " saved twice");
    p.last_launch = last;
    for (uint64_t j = 0; j < files; ++j) {
      std::string path;
      FileEntry f;
      uint64_t whole = 0;
      if (!r.GetString(&path) || !r.GetFloat(&f.weight) || !r.GetFloat(&f.first_ms) || !r.GetBounded(1, &whole) ||
          !f.extents.Load(r, limits_.max_file_extents))
        return corrupt("truncated file entry of " + key);
      f.whole = whole != 0;
      f.path_id = Intern(path);
      p.files.push_back(std::move(f));
    }
    total_extents_ += Extents(p);
    programs_[key] = std::move(p);
  }
  if (!r.done()) return corrupt("trailing bytes");
  if (total_extents_ > limits_.max_extents) return corrupt("more extents than the limit");
  return Status::Ok();
}

}  // namespace hostmind
