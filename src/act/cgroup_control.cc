#include "act/cgroup_control.h"

#include <algorithm>
#include <cmath>

#include "collect/parse.h"

namespace hostmind {

namespace {

constexpr double kDefaultPeriodUs = 100000;
// v1 reads "no limit" back as the largest page-aligned 64-bit value.
constexpr uint64_t kV1NoLimit = 9223372036854771712ULL;

std::string Trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

const char* ControllerOf(CgroupKnob knob) {
  return knob == CgroupKnob::kCpuWeight || knob == CgroupKnob::kCpuMax ? "cpu" : "memory";
}

const char* FileName(CgroupKnob knob, bool v2) {
  switch (knob) {
    case CgroupKnob::kCpuWeight: return v2 ? "cpu.weight" : "cpu.shares";
    case CgroupKnob::kCpuMax: return v2 ? "cpu.max" : "cpu.cfs_quota_us";
    case CgroupKnob::kMemoryLow: return v2 ? "memory.low" : "memory.soft_limit_in_bytes";
    case CgroupKnob::kMemoryHigh: return v2 ? "memory.high" : nullptr;  // v1 has no throttling limit
    case CgroupKnob::kMemoryMax: return v2 ? "memory.max" : "memory.limit_in_bytes";
    case CgroupKnob::kMemoryOomWait: return v2 ? nullptr : "memory.oom_control";
    case CgroupKnob::kMemoryReclaim: return v2 ? "memory.reclaim" : "memory.limit_in_bytes";
  }
  return nullptr;
}

std::string BytesText(double value, bool v2) {
  if (!(value < static_cast<double>(kV1NoLimit))) return v2 ? "max" : "-1";
  return std::to_string(static_cast<uint64_t>(value));
}

// v1 shows "no limit" as a number it refuses to be written back as; -1 means the same.
std::string WritableBack(const KnobFile& f, CgroupKnob knob, std::string text) {
  bool v1_bytes = !f.v2 && knob != CgroupKnob::kCpuWeight && knob != CgroupKnob::kCpuMax;
  if (v1_bytes && ParseU64(text) && *ParseU64(text) >= kV1NoLimit) return "-1";
  return text;
}

std::string DirOf(const KnobFile& f) { return f.path.substr(0, f.path.rfind('/')); }

}  // namespace

Result<double> CgroupControl::UsageOf(const KnobFile& f) const {
  std::string file = DirOf(f) + (f.v2 ? "/memory.current" : "/memory.usage_in_bytes");
  auto text = env().ReadFile(file);
  if (!text.ok()) return text.status();
  auto v = ParseDouble(Trim(*text));
  if (!v) return Status::Corrupt(file + ": not a number: '" + Trim(*text) + "'");
  return *v;
}

const char* CgroupKnobName(CgroupKnob knob) {
  switch (knob) {
    case CgroupKnob::kCpuWeight: return "cpu.weight";
    case CgroupKnob::kCpuMax: return "cpu.max";
    case CgroupKnob::kMemoryLow: return "memory.low";
    case CgroupKnob::kMemoryHigh: return "memory.high";
    case CgroupKnob::kMemoryMax: return "memory.max";
    case CgroupKnob::kMemoryOomWait: return "memory.oom_wait";
    case CgroupKnob::kMemoryReclaim: return "memory.reclaim";
  }
  return "?";
}

std::optional<KnobFile> CgroupControl::Locate(CgroupKnob knob, const std::string& path) const {
  auto loc = layout_.Locate(ControllerOf(knob), path);
  if (!loc) return std::nullopt;
  const char* file = FileName(knob, loc->v2);
  if (!file) return std::nullopt;
  return KnobFile{loc->dir + "/" + file, loc->v2};
}

Result<double> CgroupControl::Read(CgroupKnob knob, const std::string& path) const {
  auto f = Locate(knob, path);
  if (!f) return Status::Unavailable(std::string(CgroupKnobName(knob)) + ": no such knob on this host's cgroups");
  if (knob == CgroupKnob::kMemoryReclaim) return UsageOf(*f);  // memory.reclaim cannot be read
  auto text = env().ReadFile(f->path);
  if (!text.ok()) return text.status();
  std::string t = Trim(*text);
  auto number = [&](std::string_view s) -> Result<double> {
    auto v = ParseDouble(s);
    if (!v) return Status::Corrupt(f->path + ": not a number: '" + t + "'");
    return *v;
  };
  switch (knob) {
    case CgroupKnob::kCpuWeight: {
      auto v = number(t);
      if (!v.ok() || f->v2) return v;
      return *v * 100.0 / 1024.0;
    }
    case CgroupKnob::kCpuMax: {
      if (f->v2) {  // "max 100000" or "50000 100000"
        auto fields = SplitFields(t);
        if (fields.size() != 2) return Status::Corrupt(f->path + ": expected 'QUOTA PERIOD', got '" + t + "'");
        if (fields[0] == "max") return kUnlimited;
        auto q = number(fields[0]), p = number(fields[1]);
        if (!q.ok() || !p.ok() || *p <= 0) return Status::Corrupt(f->path + ": bad cpu.max '" + t + "'");
        return *q / *p;
      }
      auto q = number(t);
      if (!q.ok()) return q;
      if (*q < 0) return kUnlimited;
      auto dir = f->path.substr(0, f->path.rfind('/'));
      auto period = env().ReadFile(dir + "/cpu.cfs_period_us");
      double p = period.ok() ? ParseDouble(Trim(*period)).value_or(kDefaultPeriodUs) : kDefaultPeriodUs;
      return *q / p;
    }
    case CgroupKnob::kMemoryOomWait: {
      int bad = 0;
      auto kv = ParseKeyValue(t, &bad);
      auto it = kv.find("oom_kill_disable");
      if (it == kv.end()) return Status::Corrupt(f->path + ": no oom_kill_disable line");
      return static_cast<double>(it->second);
    }
    default: {
      if (t == "max") return static_cast<double>(kUnlimitedBytes);
      auto v = number(t);
      if (!v.ok()) return v;
      return *v >= static_cast<double>(kV1NoLimit) ? static_cast<double>(kUnlimitedBytes) : *v;
    }
  }
}

std::string CgroupControl::Render(CgroupKnob knob, const std::string& path, double value) const {
  auto f = Locate(knob, path);
  bool v2 = f && f->v2;
  switch (knob) {
    case CgroupKnob::kCpuWeight: {
      double w = std::clamp(std::round(value), 1.0, 10000.0);
      if (v2) return std::to_string(static_cast<int>(w));
      return std::to_string(static_cast<int>(std::clamp(std::round(w * 1024.0 / 100.0), 2.0, 262144.0)));
    }
    case CgroupKnob::kCpuMax: {
      double period = kDefaultPeriodUs;
      if (!v2 && f) {
        auto p = env_.ReadFile(f->path.substr(0, f->path.rfind('/')) + "/cpu.cfs_period_us");
        if (p.ok()) period = ParseDouble(Trim(*p)).value_or(kDefaultPeriodUs);
      }
      if (!std::isfinite(value)) return v2 ? "max " + std::to_string(static_cast<int64_t>(period)) : "-1";
      // The kernel refuses quotas under 1 ms.
      auto quota = static_cast<int64_t>(std::max(1000.0, std::round(value * period)));
      return v2 ? std::to_string(quota) + " " + std::to_string(static_cast<int64_t>(period)) : std::to_string(quota);
    }
    case CgroupKnob::kMemoryOomWait:
      return value > 0 ? "1" : "0";
    default:
      return BytesText(value, v2);
  }
}

bool CgroupControl::CanReclaim() const {
  auto f = Locate(CgroupKnob::kMemoryReclaim, "/");
  if (!f) return false;
  if (!f->v2) return true;
  auto names = env_.ListDir(DirOf(*f));
  return names.ok() && std::find(names->begin(), names->end(), "memory.reclaim") != names->end();
}

Status CgroupControl::SaveOriginal(CgroupKnob knob, const KnobFile& f) {
  if (!originals_) return Status::Ok();
  auto current = env_.ReadFile(f.path);
  if (!current.ok()) return current.status();
  std::string original = Trim(*current);
  if (knob == CgroupKnob::kMemoryOomWait) {  // the file shows more than the one flag that is written
    int bad = 0;
    auto kv = ParseKeyValue(original, &bad);
    auto it = kv.find("oom_kill_disable");
    original = it != kv.end() && it->second > 0 ? "1" : "0";
  }
  return originals_->SaveIfAbsent(f.path, WritableBack(f, knob, original), clock_.Now());
}

Result<std::string> CgroupControl::Reclaim(const KnobFile& f, double to_bytes) {
  auto usage = UsageOf(f);
  if (!usage.ok()) return usage.status();
  double in_use = *usage;
  if (in_use <= to_bytes) return std::string("0");
  if (f.v2) {
    std::string amount = std::to_string(static_cast<uint64_t>(in_use - to_bytes));
    HM_RETURN_IF_ERROR(writer_.WriteFile(f.path, amount));
    return amount;
  }
  // v1: the limit goes down to the target (the kernel reclaims before the write returns, or
  // fails with EBUSY when it cannot get there) and back to where it was, whatever happened.
  HM_RETURN_IF_ERROR(SaveOriginal(CgroupKnob::kMemoryReclaim, f));
  auto limit = env_.ReadFile(f.path);
  if (!limit.ok()) return limit.status();
  std::string target = BytesText(to_bytes, false);
  Status lowered = writer_.WriteFile(f.path, target);
  HM_RETURN_IF_ERROR(writer_.WriteFile(f.path, WritableBack(f, CgroupKnob::kMemoryReclaim, Trim(*limit))));
  HM_RETURN_IF_ERROR(lowered);
  return target;
}

Result<std::string> CgroupControl::Write(CgroupKnob knob, const std::string& path, double value) {
  auto f = Locate(knob, path);
  if (!f) return Status::Unavailable(std::string(CgroupKnobName(knob)) + ": no such knob on this host's cgroups");
  if (knob == CgroupKnob::kMemoryReclaim) return Reclaim(*f, value);
  std::string text = Render(knob, path, value);
  HM_RETURN_IF_ERROR(SaveOriginal(knob, *f));
  HM_RETURN_IF_ERROR(writer_.WriteFile(f->path, text));
  return text;
}

std::vector<std::string> CgroupControl::Dirs(const std::string& path) const {
  std::vector<std::string> dirs;
  for (const char* controller : {"cpu", "cpuacct", "memory", "pressure"}) {
    auto loc = layout_.Locate(controller, path);
    if (loc && std::find(dirs.begin(), dirs.end(), loc->dir) == dirs.end()) dirs.push_back(loc->dir);
  }
  return dirs;
}

Status CgroupControl::Create(const std::string& path) {
  for (const auto& dir : Dirs(path)) {
    // Parents first: the owned subtree may not exist yet.
    std::string prefix;
    for (size_t i = 1; i <= dir.size(); ++i) {
      if (i != dir.size() && dir[i] != '/') continue;
      prefix = dir.substr(0, i);
      if (!env_.ListDir(prefix).ok()) {
        HM_RETURN_IF_ERROR(writer_.MakeDir(prefix));
        if (originals_) HM_RETURN_IF_ERROR(originals_->SaveCreatedDir(prefix, clock_.Now()));
      }
    }
  }
  return Status::Ok();
}

Status CgroupControl::MovePid(const std::string& path, int pid) {
  for (const auto& dir : Dirs(path)) HM_RETURN_IF_ERROR(writer_.WriteFile(dir + "/cgroup.procs", std::to_string(pid)));
  return Status::Ok();
}

}  // namespace hostmind
